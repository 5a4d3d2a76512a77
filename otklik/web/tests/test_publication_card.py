"""Issue 18 §2: the publication card — the outcome of «Разместить», and a way out of a
failed or stuck publication for the lead executor and the specialist."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.cases import actions
from otklik.cases.models import Case, Deadline
from otklik.web.tests.helpers import new_case, review_case

pytestmark = [pytest.mark.django_db]


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def approved(cast, clock):
    case = review_case(cast)
    return actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)


def publish(user, case, **data):
    return client_for(user).post(f"/cases/{case.pk}/act/publish/", {"version": case.version, **data}, follow=True)


def test_it_says_the_answer_was_sent_and_polls_for_the_outcome(cast, approved):
    page = publish(cast.roads, approved).content.decode()
    assert "Ответ отправлен в соцсеть" in page and "Ответ размещён" not in page
    assert f'hx-get="/cases/{approved.pk}/publication/"' in page and 'hx-trigger="every 3s"' in page

    actions.do_fail_publication(approved.publications.get(), error="ВКонтакте: комментарии к записи закрыты (код 213)")
    card = client_for(cast.roads).get(f"/cases/{approved.pk}/publication/").content.decode()
    assert "ВКонтакте: комментарии к записи закрыты (код 213)" in card
    assert "hx-trigger" not in card  # the outcome arrived: polling stops
    assert "Повторить" in card and "Разместить вручную" in card


def test_no_success_message_for_a_post_that_failed(cast, approved, monkeypatch):
    def fail_at_once(case, **kwargs):  # type: ignore[no-untyped-def]
        case = real(case, **kwargs)
        actions.do_fail_publication(case.publications.get(), error="Telegram: бот не может писать в чат")
        return case

    real = actions.do_publish_answer
    monkeypatch.setattr(actions, "do_publish_answer", fail_at_once)
    page = publish(cast.specialist, approved).content.decode()
    assert "Ответ не размещён" in page and "отправлен в соцсеть" not in page
    assert 'class="success"' not in page


@pytest.mark.parametrize("who,offered", [("roads", True), ("specialist", True), ("head", False), ("observer", False)])
def test_a_failed_publication_offers_a_way_out_to_those_who_publish(cast, approved, who, offered):
    case = actions.do_publish_answer(approved, acting_user=cast.specialist)
    actions.do_fail_publication(case.publications.get(), error="<script>alert(1)</script>")
    page = client_for(getattr(cast, who)).get(f"/cases/{case.pk}/").content.decode()
    assert ('data-action="publish-retry"' in page) is offered
    assert ('data-action="publish-manual"' in page) is offered
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_retry_sends_the_answer_again_on_the_same_publication(cast, approved):
    case = actions.do_publish_answer(approved, acting_user=cast.specialist)
    actions.do_fail_publication(case.publications.get(), error="Сбой")
    publish(cast.roads, Case.objects.get(pk=case.pk))
    publication = case.publications.get()
    assert (publication.status, publication.attempts) == ("pending", 2)


def test_posting_by_hand_closes_the_clock_at_that_moment(cast, approved, clock):
    case = actions.do_publish_answer(approved, acting_user=cast.specialist)
    actions.do_fail_publication(case.publications.get(), error="Сбой")
    at = clock.advance(minutes=7)
    page = publish(cast.roads, Case.objects.get(pk=case.pk), external_url="https://vk.com/wall-100001_1?reply=5")
    assert "Ответ размещён" in page.content.decode()
    publication = case.publications.get()
    assert (publication.status, publication.confirmed_by, publication.published_at) == ("published", cast.roads, at)
    assert Deadline.objects.get(case=case, stage="publish_total").closed_at == at


def test_a_stuck_publication_is_offered_after_the_delivery_timeout(cast, approved, clock):
    case = actions.do_publish_answer(approved, acting_user=cast.specialist)
    page = client_for(cast.specialist).get(f"/cases/{case.pk}/").content.decode()
    assert 'data-action="publish-retry"' not in page
    clock.advance(minutes=3)
    page = client_for(cast.specialist).get(f"/cases/{case.pk}/").content.decode()
    assert "не подтвердила размещение" in page and 'data-action="publish-retry"' in page
    publish(cast.specialist, Case.objects.get(pk=case.pk))
    assert case.publications.get().attempts == 2


def test_the_form_says_the_shared_repeats_are_posted_too(cast, approved):
    repeat = new_case(cast, "И у меня та же яма")
    repeat = actions.do_mark_repeat(repeat, earlier_case=approved, acting_user=cast.specialist)
    page = client_for(cast.roads).get(f"/cases/{approved.pk}/").content.decode()
    assert "повторным обращениям" not in page
    actions.do_share_answer(repeat, acting_user=cast.specialist)
    page = client_for(cast.roads).get(f"/cases/{approved.pk}/").content.decode()
    assert f"по повторным обращениям №{repeat.pk} (п. 19)" in page
    approved.refresh_from_db()
    assert publish(cast.roads, approved).status_code == 200
    assert Case.objects.get(pk=repeat.pk).publications.get().status == "pending"
