"""The draft form on the case page: after an intermediate answer, and the word diff of versions."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from otklik.cases import actions
from otklik.cases.models import Case
from otklik.web.tests.helpers import review_case, routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def page_for(user, case) -> str:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c.get(f"/cases/{case.pk}/").content.decode()


def test_it_starts_the_final_answer_empty_after_an_intermediate_one(cast):
    case = routed_case(cast, cast.roads_org)
    case = actions.do_submit_draft(case, text="Осмотрим дорогу на неделе.", kind="intermediate", acting_user=cast.roads)
    actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    actions.do_publish_answer(
        Case.objects.get(pk=case.pk), external_url="https://vk.com/wall-1_2?reply=3", acting_user=cast.roads
    )
    html = page_for(cast.roads, case)
    assert '<option value="final" selected>Окончательный ответ</option>' in html
    assert re.search(r'<textarea name="text"[^>]*>\s*</textarea>', html)
    assert "Текст промежуточного ответа" in html and 'data-insert-text="Осмотрим дорогу на неделе."' in html


def test_it_keeps_a_space_between_a_deleted_and_an_inserted_word(cast):
    case = review_case(cast, text="Яму засыплем завтра.")
    actions.do_return_draft(case.drafts.get(), remarks="Уточните срок", acting_user=cast.specialist)
    actions.do_submit_draft(Case.objects.get(pk=case.pk), text="Яму засыплем в пятницу.", acting_user=cast.roads)
    html = page_for(cast.specialist, case)
    assert re.search(r"<del>завтра\.</del> <ins>в пятницу\.</ins>", html), html
