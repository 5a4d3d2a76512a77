"""Push from a regional centre (idempotent, detected at once) and export of cases and outcomes."""

import csv
import io
import json

import pytest

from otklik.api.tests.conftest import error_code
from otklik.cases import actions as A
from otklik.cases.models import Case, Post

MESSAGE = {
    "network": "vk",
    "source_key": "wall-1_2_3",
    "text": "Не вывозят мусор",
    "published_at": "2026-11-27T10:00:00+03:00",
    "author_name": "Иван",
}


def test_push_creates_a_detected_case_with_a_route_clock(cast, as_service):
    r = as_service("push").post("/push/messages", {"messages": [MESSAGE]})
    assert r.status_code == 200, r.content
    result = r.json()["results"][0]
    assert result["created"] is True and result["status"] == "new"
    case = Case.objects.get(pk=result["case_id"])
    assert case.detected_at is not None
    assert case.deadlines.filter(stage="route", closed_at__isnull=True).exists()


def test_push_is_idempotent(cast, as_service):
    api = as_service("push")
    first = api.post("/push/messages", {"messages": [MESSAGE]}).json()["results"][0]
    again = api.post("/push/messages", {"messages": [{**MESSAGE, "text": "другой текст"}]}).json()["results"][0]
    assert again["case_id"] == first["case_id"] and again["created"] is False
    assert Post.objects.get().text == "Не вывозят мусор"


def test_push_refuses_a_message_of_another_municipality(cast, as_service):
    as_service("push", municipality=cast.other_municipality).post("/push/messages", {"messages": [MESSAGE]})
    r = as_service("push").post("/push/messages", {"messages": [MESSAGE]})
    assert r.status_code == 409
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {**MESSAGE, "network": "myspace"},
        {**MESSAGE, "published_at": "2026-11-27T10:00:00"},
        {**MESSAGE, "source_key": ""},
        {**MESSAGE, "colour": "red"},
        {k: v for k, v in MESSAGE.items() if k != "text"},
    ],
)
def test_push_refuses_bad_messages_and_stores_nothing(cast, as_service, bad):
    r = as_service("push").post("/push/messages", {"messages": [MESSAGE | {"source_key": "ok-1"}, bad]})
    assert r.status_code == 400, r.content
    assert not Case.objects.exists()


def test_push_needs_the_push_permission(cast, as_service, as_user):
    assert as_service("read", "export").post("/push/messages", {"messages": [MESSAGE]}).status_code == 403
    assert as_user(cast.specialist).post("/push/messages", {"messages": [MESSAGE]}).status_code == 403
    assert not Case.objects.exists()


def test_manual_entry_by_a_specialist(cast, as_user):
    r = as_user(cast.specialist).post("/municipalities/georgievsk/messages", MESSAGE)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "new"


@pytest.mark.parametrize("who,status", [("roads", 403), ("head", 403), ("stranger", 404)])
def test_manual_entry_by_others_is_refused(cast, as_user, who, status):
    r = as_user(getattr(cast, who)).post("/municipalities/georgievsk/messages", MESSAGE)
    assert r.status_code == status
    assert not Case.objects.exists()


@pytest.fixture
def answered(cast, make_case):
    case = A.do_route_case(make_case('=HYPERLINK("http://evil")'), [cast.roads_org], acting_user=cast.specialist)
    case = A.do_submit_draft(case, text="Ответ", acting_user=cast.roads)
    A.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
    return A.do_publish_answer(case, external_url="https://vk.com/wall-100001_1?reply=9", acting_user=cast.roads)


def test_export_jsonl(cast, as_service, answered, make_case):
    make_case(municipality=cast.other_municipality)
    r = as_service("export").get("/export/cases", {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    assert r.status_code == 200
    rows = [json.loads(line) for line in b"".join(r.streaming_content).decode().splitlines()]
    assert [row["id"] for row in rows] == [answered.pk]
    assert rows[0]["status"] == "answered"
    assert rows[0]["lead_organization"] == "Дороги"
    assert rows[0]["answer_url"] == "https://vk.com/wall-100001_1?reply=9"


def test_export_csv_is_safe_for_spreadsheets(cast, as_user, answered):
    r = as_user(cast.coordinator).get(
        "/export/cases", {"date_from": "2026-01-01", "date_to": "2026-12-31", "format": "csv"}
    )
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[0]["status"] == "answered"
    assert rows[0]["text"].startswith("'=HYPERLINK")


def test_export_needs_the_export_permission(cast, as_service):
    r = as_service("push").get("/export/cases", {"date_from": "2026-01-01", "date_to": "2026-01-31"})
    assert r.status_code == 403
    assert error_code(r) == "forbidden"


def test_export_period_is_checked(cast, as_service):
    r = as_service("export").get("/export/cases", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert r.status_code == 400


def test_export_csv_guards_formulas_behind_spaces_and_in_full_width(cast, as_user, make_case):
    for text in ("  =1+1", "＝HYPERLINK(1)", "\u00a0@SUM(A1)"):
        make_case(text)
    r = as_user(cast.coordinator).get(
        "/export/cases", {"date_from": "2026-01-01", "date_to": "2026-12-31", "format": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert sorted(row["text"] for row in rows) == sorted(["'  =1+1", "'＝HYPERLINK(1)", "'\u00a0@SUM(A1)"])


def test_export_jsonl_escapes_line_separators(cast, as_service, make_case):
    make_case("первая\u2028вторая\u2029третья")
    r = as_service("export").get("/export/cases", {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    body = b"".join(r.streaming_content).decode()
    assert "\u2028" not in body and "\u2029" not in body
    [line] = body.splitlines()
    assert json.loads(line)["text"] == "первая\u2028вторая\u2029третья"
