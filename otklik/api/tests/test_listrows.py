"""The case list's stored rows (otklik/api/listrows.py) stay equal to the rows rendered afresh,
whatever writes them: the regulation's actions, edits in the directory, bulk updates,
deletions, two transactions at once — and a missing row never hides a case."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from otklik.api import listrows, pgjson
from otklik.api.models import CaseListRow
from otklik.api.serialize import reference_rows
from otklik.api.tests.test_pgjson import _lifecycle, _norm
from otklik.cases import actions as A
from otklik.cases.models import Assignment, Case, Post
from otklik.directory.models import Topic

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps the rows")


def _stored() -> dict[int, dict[str, Any]]:
    return {r.case_id: json.loads("{" + r.members + "}") for r in CaseListRow.objects.all()}


def _fresh() -> dict[int, dict[str, Any]]:
    sql = f"SELECT case_id, members FROM ({pgjson.rendered_rows('true')}) x"  # noqa: S608 - names from the models
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {pk: json.loads("{" + members + "}") for pk, members in cursor.fetchall()}


def _python() -> dict[int, dict[str, Any]]:
    """The Python rendering (serialize.py), without what is added when a row is read."""
    rows = reference_rows(Case.objects.order_by("pk"), "next_due_at", 10_000)
    out = {}
    for pk, _, row in rows:
        value = json.loads(row)
        value.pop("status_label")
        for key in pgjson.AT_READ:
            value.pop(key)
        out[pk] = value
    return out


def _assert_kept() -> None:
    stored, fresh = _stored(), _fresh()
    assert stored.keys() == fresh.keys() == set(Case.objects.values_list("pk", flat=True))
    assert stored == fresh
    assert _norm(stored) == _norm(_python())


def test_rows_follow_the_regulation_and_every_table_they_show(cast, as_user, make_case):
    _lifecycle(cast, as_user, make_case)
    case = make_case("Нет воды")
    A.do_route_case(case, [cast.water_org, cast.roads_org], lead=cast.water_org, acting_user=cast.specialist)
    _assert_kept()

    # The directory: an organization's, a topic's and a municipality's names shown in rows.
    cast.water_org.short_name = "Водоканал (новое имя)"
    cast.water_org.save()
    case.refresh_from_db()
    topic = Topic.objects.create(municipality=case.municipality, name="ЖКХ (проверка)")
    Case.objects.filter(pk=case.pk).update(topic=topic)
    topic.name = "Жилищно-коммунальное хозяйство"
    topic.save()
    municipality = case.municipality
    municipality.slug = municipality.slug + "-2"
    municipality.save()
    assert _stored()[case.pk]["assignments"][0]["organization"] == "Водоканал (новое имя)"
    assert _stored()[case.pk]["topic"] == {"id": topic.pk, "name": "Жилищно-коммунальное хозяйство"}
    _assert_kept()

    # The post edited, a bulk update (as the sweep does), an assignment made inactive and one deleted.
    Post.objects.filter(pk=case.primary_post_id).update(text="Новый текст " + "ж" * 600, url="https://vk.com/wall-1_2")
    Case.objects.filter(municipality=municipality).update(next_due_at=timezone.now(), version=F("version") + 1)
    first, second = Assignment.objects.filter(case=case).order_by("pk")
    Assignment.objects.filter(pk=first.pk).update(is_active=False)
    second.delete()
    stored = _stored()[case.pk]
    assert stored["text"] == "Новый текст " + "ж" * 488
    assert stored["assignments"] == []
    _assert_kept()

    # A case deleted takes its row with it.
    doomed = make_case("Удалить")
    assert doomed.pk in _stored()
    doomed.delete()
    assert doomed.pk not in _stored()
    _assert_kept()


def test_a_case_without_a_stored_row_is_still_listed(cast, as_user, make_case, caplog):
    specialist = as_user(cast.specialist)
    cases = [make_case(f"Обращение {i}") for i in range(3)]
    before = specialist.get("/cases").json()
    CaseListRow.objects.filter(case_id=cases[1].pk).delete()
    with caplog.at_level(logging.WARNING, logger="otklik.api.pgjson"):
        after = specialist.get("/cases").json()
    assert after == before
    assert "no stored row" in caplog.text


def test_install_renders_the_rows_again_when_their_sql_changed(cast, make_case):
    case = make_case("Текст")
    assert listrows.installed(connection)
    assert listrows.install(connection) is None  # nothing changed: nothing rendered
    CaseListRow.objects.filter(case_id=case.pk).update(members='"broken": true')
    with connection.cursor() as cursor:
        cursor.execute("COMMENT ON TABLE api_caselistrow IS 'rows rendered by an older version'")
    assert not listrows.installed(connection)
    assert listrows.install(connection) >= 1
    assert listrows.installed(connection)
    _assert_kept()


@pytest.mark.django_db(transaction=True)
def test_two_transactions_on_one_case_leave_both_changes_in_its_row(cast, make_case):
    """Two co-executors' assignments changed at once: the later commit's refresh waits for the
    earlier and renders after it, so the row shows both (not the later one's snapshot)."""
    case = make_case("Две организации")
    A.do_route_case(case, [cast.water_org, cast.roads_org], lead=cast.water_org, acting_user=cast.specialist)
    first, second = Assignment.objects.filter(case=case).order_by("pk")
    settings = connection.settings_dict
    dsn = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} dbname={settings['NAME']} user={settings['USER']}"
    one, two = psycopg.connect(dsn), psycopg.connect(dsn)
    try:
        one.execute("UPDATE cases_assignment SET status = 'info_submitted' WHERE id = %s", [first.pk])
        done = threading.Event()

        def other() -> None:
            two.execute("UPDATE cases_assignment SET status = 'returned' WHERE id = %s", [second.pk])
            two.commit()
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert not done.wait(0.5)  # the second waits for the first's rows
        one.commit()
        thread.join(10)
        assert done.is_set()
    finally:
        one.close()
        two.close()
    statuses = {a["id"]: a["status"] for a in _stored()[case.pk]["assignments"]}
    assert statuses == {first.pk: "info_submitted", second.pk: "returned"}
    _assert_kept()


def test_an_erased_author_leaves_no_copy_in_the_stored_rows(cast, make_case):
    """152-FZ: the list's copy of a post (author, link, text) is erased with the post."""
    from otklik.ops.personal_data import erase_author

    case = make_case("Звоните мне: +7 900 123-45-67, Мария")
    post = Post.objects.get(pk=case.primary_post_id)
    assert "Мария Петрова" in CaseListRow.objects.get(case_id=case.pk).members
    erase_author(post.network, post.author_id, reason="запрос субъекта")
    stored = _stored()[case.pk]
    assert stored["author_name"] == "" and stored["url"] == ""
    assert "900" not in stored["text"] and "Мария Петрова" not in CaseListRow.objects.get(case_id=case.pk).members
    _assert_kept()


def test_without_the_table_no_trigger_stays(cast, make_case):
    """After ``migrate api 0001`` (the table dropped), install() removes the triggers: a case can
    still be written. (DDL is transactional in PostgreSQL: the test's rollback restores it all.)"""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE api_caselistrow")
        assert listrows.install(connection) is None
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'otklik_list_rows%%'")
        assert cursor.fetchone()[0] == 0
    assert make_case("Без таблицы строк").pk
