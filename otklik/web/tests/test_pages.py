from __future__ import annotations

import re

import pytest
from django.test import Client

from otklik.cases import actions
from otklik.cases.models import Case
from otklik.web.models import AnswerTemplate
from otklik.web.tests.helpers import feed_case, new_case, review_case, routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_inbox_shows_the_specialist_new_cases_with_a_deadline(cast):
    case = new_case(cast, "Нет света на Калинина")
    page = client_for(cast.specialist).get("/inbox/").content.decode()
    assert f"/cases/{case.pk}/" in page
    assert "Нет света на Калинина" in page
    assert "осталось 1 раб. ч" in page


def test_executor_inbox_lists_only_its_own_organizations_cases(cast):
    mine = routed_case(cast, cast.roads_org, author_name="Дорожный житель")
    other = routed_case(cast, cast.housing_org, author_name="Житель ЖКХ")
    page = client_for(cast.roads).get("/inbox/?view=all").content.decode()
    assert f"/cases/{mine.pk}/" in page
    assert f"/cases/{other.pk}/" not in page


def test_executor_of_another_organization_gets_404(cast):
    case = routed_case(cast, cast.roads_org)
    assert client_for(cast.housing).get(f"/cases/{case.pk}/").status_code == 404
    assert client_for(cast.stranger).get(f"/cases/{case.pk}/").status_code == 404
    assert client_for(cast.roads).get(f"/cases/{case.pk}/").status_code == 200


def test_head_reads_but_gets_no_action_forms_and_403_on_post(cast):
    case = new_case(cast)
    c = client_for(cast.head)
    page = c.get(f"/cases/{case.pk}/").content.decode()
    assert "только для просмотра" in page
    assert "/act/" not in page
    r = c.post(f"/cases/{case.pk}/act/dismiss/", {"reason": "x", "version": case.version})
    assert r.status_code == 403
    assert Case.objects.get(pk=case.pk).status == "new"


def test_feed_is_for_specialists_only(cast):
    feed_case(cast, "Сообщение в ленте")
    assert "Сообщение в ленте" in client_for(cast.specialist).get("/feed/").content.decode()
    assert client_for(cast.roads).get("/feed/").status_code == 403


def test_routing_by_plain_post_redirects_to_the_case(cast):
    case = new_case(cast)
    r = client_for(cast.specialist).post(
        f"/cases/{case.pk}/act/route/", {"organizations": [cast.roads_org.pk], "version": case.version}
    )
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/"
    assert Case.objects.get(pk=case.pk).status == "assigned"


def test_routing_to_several_needs_a_lead(cast):
    case = new_case(cast)
    r = client_for(cast.specialist).post(
        f"/cases/{case.pk}/act/route/",
        {"organizations": [cast.roads_org.pk, cast.housing_org.pk], "version": case.version},
    )
    assert r.status_code == 400
    assert "основного исполнителя" in r.content.decode()
    assert Case.objects.get(pk=case.pk).status == "new"


def test_htmx_action_returns_the_page_for_an_in_place_swap(cast):
    case = new_case(cast)
    r = client_for(cast.specialist).post(
        f"/cases/{case.pk}/act/route/",
        {"organizations": [cast.roads_org.pk], "version": case.version},
        headers={"HX-Request": "true"},
        follow=True,
    )
    assert r.status_code == 200
    assert 'id="main"' in r.content.decode()
    assert "Направлено исполнителю" in r.content.decode()


def test_a_stale_page_gets_case_changed_and_nothing_changes(cast):
    case = new_case(cast)
    stale = case.version
    actions.do_flag_significant(case, reason="Массовое", acting_user=cast.specialist)
    r = client_for(cast.specialist).post(
        f"/cases/{case.pk}/act/dismiss/", {"prefix": "dismiss", "dismiss-reason": "нет", "dismiss-version": stale}
    )
    assert r.status_code == 409
    assert Case.objects.get(pk=case.pk).status == "new"


def test_csrf_is_enforced_on_actions(cast):
    case = new_case(cast)
    c = Client(enforce_csrf_checks=True)
    c.force_login(cast.specialist)
    r = c.post(f"/cases/{case.pk}/act/route/", {"organizations": [cast.roads_org.pk]})
    assert r.status_code == 403
    assert Case.objects.get(pk=case.pk).status == "new"


def test_executor_return_leaves_them_on_the_inbox(cast):
    case = routed_case(cast, cast.roads_org)
    a = case.assignments.get(is_active=True)
    r = client_for(cast.roads).post(
        f"/cases/{case.pk}/act/return_assignment/",
        {
            "prefix": f"ret{a.pk}",
            f"ret{a.pk}-assignment": a.pk,
            f"ret{a.pk}-reason": "Не наша дорога",
            f"ret{a.pk}-version": case.version,
        },
    )
    assert r.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "new"


def test_returned_draft_shows_remarks_and_a_diff_to_the_next_version(cast):
    case = review_case(cast, text="Яму засыплем.")
    draft = case.drafts.get()
    actions.do_return_draft(draft, remarks="Укажите срок", acting_user=cast.specialist)
    actions.do_submit_draft(Case.objects.get(pk=case.pk), text="Яму засыплем до пятницы.", acting_user=cast.roads)
    page = client_for(cast.specialist).get(f"/cases/{case.pk}/").content.decode()
    assert "Укажите срок" in page
    assert re.search(r"<ins>[^<]*до пятницы\.</ins>", page)
    assert re.search(r"<del>[^<]*засыплем\.</del>", page)


def test_feed_bulk_detects_the_checked_items(cast):
    a, b = feed_case(cast), feed_case(cast)
    r = client_for(cast.specialist).post("/feed/bulk/", {"action": "detect", "case": [a.pk, b.pk]})
    assert r.status_code == 302
    assert set(Case.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {"new"}


def test_answer_template_fills_the_draft_without_javascript(cast):
    tpl = AnswerTemplate.objects.create(municipality=cast.municipality, title="Яма", text="Здравствуйте! Яму засыплем.")
    case = routed_case(cast, cast.roads_org)
    page = client_for(cast.roads).get(f"/cases/{case.pk}/?template={tpl.pk}").content.decode()
    assert "Здравствуйте! Яму засыплем.</textarea>" in page


def test_only_specialists_edit_answer_templates(cast):
    assert client_for(cast.roads).get("/answer-templates/new/").status_code == 403
    r = client_for(cast.specialist).post("/answer-templates/new/", {"title": "Свет", "text": "Свет дадут к вечеру."})
    assert r.status_code == 302
    assert AnswerTemplate.objects.get().municipality == cast.municipality


def test_network_text_is_escaped_and_bad_links_are_dropped(cast):
    case = new_case(
        cast,
        "<script>alert(1)</script><img src=x onerror=alert(2)>",
        author_name='"><svg onload=alert(3)>',
        author_url="javascript:alert(4)",
        url="javascript:alert(5)",
    )
    page = client_for(cast.specialist).get(f"/cases/{case.pk}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<svg onload" not in page
    assert "javascript:alert" not in page


def test_nav_shows_inbox_and_feed_counts(cast):
    new_case(cast)
    feed_case(cast)
    page = client_for(cast.specialist).get("/inbox/").content.decode()
    assert 'data-nav="inbox"' in page and 'data-nav="feed"' in page
    assert client_for(cast.specialist).get("/").headers["Location"] == "/inbox/"


def test_inbox_filters_by_text_and_overdue(cast):
    new_case(cast, "Упало дерево на Пушкина")
    new_case(cast, "Нет воды на Мира")
    c = client_for(cast.specialist)
    page = c.get("/inbox/?view=all&q=дерево").content.decode()
    assert "Упало дерево" in page and "Нет воды" not in page
    assert "Упало дерево" not in c.get("/inbox/?view=all&overdue=on").content.decode()


def test_htmx_errors_come_back_swappable_with_the_reason(cast):
    case = new_case(cast)
    stale = case.version
    actions.do_flag_significant(case, reason="Массовое", acting_user=cast.specialist)
    r = client_for(cast.specialist).post(
        f"/cases/{case.pk}/act/dismiss/",
        {"prefix": "dismiss", "dismiss-reason": "нет", "dismiss-version": stale},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200  # htmx swaps only 2xx: the page carries the error instead
    assert 'role="alert"' in r.content.decode()
    assert Case.objects.get(pk=case.pk).status == "new"


def test_a_pending_publication_hides_the_publish_button(cast):
    case = review_case(cast)
    case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    actions.do_publish_answer(case, acting_user=cast.specialist)
    page = client_for(cast.roads).get(f"/cases/{case.pk}/").content.decode()
    assert "Ответ отправлен в соцсеть" in page
    assert 'data-action="publish"' not in page


def test_a_feed_row_that_fails_answers_with_an_escaped_row(cast):
    case = feed_case(cast)
    actions.do_detect_case(case, acting_user=cast.coordinator)
    r = client_for(cast.specialist).post(
        f"/cases/{case.pk}/act/detect/", {"version": case.version, "from": "feed"}, headers={"HX-Request": "true"}
    )
    body = r.content.decode()
    assert r.status_code == 200 and body.startswith('<li class="feed-item error-row"')


def test_inbox_pages_by_cursor_without_gaps_or_repeats(cast):
    from otklik.cases import queries

    made = {new_case(cast).pk for _ in range(5)} | {routed_case(cast, cast.roads_org).pk for _ in range(2)}
    seen: list[int] = []
    c = client_for(cast.specialist)
    url = "/inbox/?view=all"
    old_size, queries.PAGE_SIZE = queries.PAGE_SIZE, 3
    try:
        for pages in range(1, 6):  # noqa: B007 - the count is asserted below
            r = c.get(url)
            seen += [x.pk for x in r.context["cases"]]
            if not r.context["next_cursor"]:
                break
            url = f"/inbox/?view=all&after={r.context['next_cursor']}"
    finally:
        queries.PAGE_SIZE = old_size
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert pages > 1


def test_an_excluded_case_names_its_reason_in_russian(cast):
    case = feed_case(cast, "Оскорбительный текст")
    actions.do_exclude_case(case, reason_code="insult", comment="мат", acting_user=cast.specialist)
    page = client_for(cast.specialist).get(f"/cases/{case.pk}/").content.decode()
    assert "основание: оскорбление — мат" in page
