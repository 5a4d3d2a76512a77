"""152-ФЗ (issue 18 §4): erasing an author also clears the journal's payloads and notification bodies."""

from __future__ import annotations

import json

import pytest

from otklik.cases import actions
from otklik.cases.models import CaseEvent, Post
from otklik.cases.tests.helpers import Clock, message, msk
from otklik.notify.models import Notification
from otklik.ops.personal_data import erase_author

pytestmark = pytest.mark.django_db

TEXT = "Мария Жительница: яма у дома 5, звоните +7 (905) 123-45-67"


def test_it_clears_the_author_from_events_and_notifications(cast, django_capture_on_commit_callbacks):
    with Clock(msk(2026, 11, 30, 10, 0)), django_capture_on_commit_callbacks(execute=True):
        case = actions.do_register_post(cast.municipality, message(TEXT, author_id="777"))
        case = actions.do_detect_case(case, acting_user=cast.specialist)
        actions.do_update_post(Post.objects.get(case=case), text=TEXT + " (дополнено: 8-918-000-11-22)")
        case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
        actions.do_submit_draft(case, text="Мария Жительница, яму заделаем.", acting_user=cast.roads)
    assert "905" in Notification.objects.get(user=cast.roads, kind="case_routed").body  # the excerpt, before
    result = erase_author("vk", "777")
    assert result["events_scrubbed"] >= 2 and result["notifications_scrubbed"] >= 1
    stored = json.dumps([e.data for e in CaseEvent.objects.filter(case=case)], ensure_ascii=False)
    stored += json.dumps(list(Notification.objects.values_list("title", "body")), ensure_ascii=False)
    for personal in ("Мария", "Жительница", "905", "123-45-67", "918", "яма у дома"):
        assert personal not in stored, personal
    assert CaseEvent.objects.filter(case=case, kind="post_edited").exists()  # who did what and when stays
