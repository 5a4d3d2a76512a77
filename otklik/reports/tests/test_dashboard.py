"""The dashboard, its XLSX export and the observer's regional view."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from otklik.cases import actions
from otklik.cases.tests.helpers import Clock, detected_case, msk
from otklik.reports.tests.conftest import AS_OF


def _busy_month(cast, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    at = msk(2026, 11, 23, 10, 0)
    with Clock(at) as clock, django_capture_on_commit_callbacks(execute=True):
        a = detected_case(cast, clock, at)
        actions.do_route_case(a, [cast.roads_org], acting_user=cast.specialist)
        b = detected_case(cast, clock, msk(2026, 11, 24, 11, 0), text="Нет воды в доме на Гагарина")
        b = actions.do_route_case(b, [cast.water_org], acting_user=cast.specialist)
        actions.do_flag_significant(b, reason="Без воды целый квартал", acting_user=cast.specialist)
    return a, b


def test_it_shows_the_numbers(client, cast, django_capture_on_commit_callbacks):
    _busy_month(cast, django_capture_on_commit_callbacks)
    with Clock(msk(2026, 11, 30, 12, 0)):
        client.force_login(cast.head)
        page = client.get("/dashboard/?start=2026-11-01&end=2026-11-30").content.decode()
    assert "Показатели — Георгиевский городской округ" in page
    assert '<div class="label">Просрочено сейчас</div><div class="num">2</div>' in page
    assert "Без воды целый квартал" in page
    assert "<svg" in page and "<script" not in page.split("</head>")[1]
    assert "Подготовка проекта ответа" in page


def test_it_filters_by_organization(client, cast, django_capture_on_commit_callbacks):
    _busy_month(cast, django_capture_on_commit_callbacks)
    with Clock(msk(2026, 11, 30, 12, 0)):
        client.force_login(cast.coordinator)
        page = client.get(f"/dashboard/?start=2026-11-01&end=2026-11-30&organization={cast.water_org.pk}")
    text = page.content.decode()
    assert '<div class="label">Просрочено сейчас</div><div class="num">1</div>' in text


def test_it_exports_xlsx(client, cast, django_capture_on_commit_callbacks):
    _busy_month(cast, django_capture_on_commit_callbacks)
    with Clock(msk(2026, 11, 30, 12, 0)):
        client.force_login(cast.coordinator)
        response = client.get("/dashboard/?start=2026-11-01&end=2026-11-30&format=xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    values = {r[0]: r[2] for r in wb["Показатели"].iter_rows(min_row=4, values_only=True)}
    assert values["Поступило"] == 2 and values["Направлено"] == 2 and values["Просрочено сейчас"] == 2
    assert {"Этапы", "Организации", "По неделям", "Темы и сети"} <= set(wb.sheetnames)


def test_only_coordinator_head_and_observer_see_it(client, cast):
    for user, status in ((cast.roads, 404), (cast.specialist, 404), (cast.head, 200), (cast.observer, 200)):
        client.force_login(user)
        assert client.get("/dashboard/").status_code == status, user


def test_the_observer_sees_municipalities_side_by_side(client, cast, django_capture_on_commit_callbacks):
    _busy_month(cast, django_capture_on_commit_callbacks)
    with Clock(msk(2026, 11, 30, 12, 0)):
        client.force_login(cast.observer)
        page = client.get("/reports/region/?start=2026-11-01&end=2026-11-30").content.decode()
    assert "Георгиевский городской округ" in page and "Минераловодский округ" in page


def test_the_median_first_answer_counts_working_time_of_a_case_that_arrived_after_hours(client, cast):
    with Clock(msk(2026, 11, 23, 20, 0)) as clock:  # Monday evening, after hours
        case = detected_case(cast, clock, clock.t)
        clock.set(msk(2026, 11, 24, 9, 10))
        case = actions.do_route_case(case, [cast.roads_org], acting_user=cast.specialist)
        case = actions.do_submit_draft(case, text="Яму заделаем до пятницы.", acting_user=cast.roads)
        case = actions.do_approve_draft(case.drafts.get(), acting_user=cast.specialist)
        clock.set(msk(2026, 11, 24, 10, 0))
        case = actions.do_publish_answer(
            case, external_url="https://vk.com/wall-1_1?reply=5", acting_user=cast.specialist
        )
        clock.set(msk(2026, 11, 30, 12, 0))
        client.force_login(cast.head)
        page = client.get("/dashboard/?start=2026-11-01&end=2026-11-30").content.decode()
    # From 09:00 Tuesday (the first working moment after the arrival) to the answer at 10:00.
    assert '<div class="label">Медиана до первого ответа</div><div class="num small-num">1 ч 00 мин</div>' in page


def test_the_slowest_organizations_count_open_overdue_deadlines(client, cast, may):
    with Clock(AS_OF):
        client.force_login(cast.head)
        response = client.get("/dashboard/?start=2026-05-01&end=2026-05-31")
    slowest = [(r["name"], r["count"], r["open"]) for r in response.context["data"]["slowest"]]
    # Roads: 45 min late and a §16 clock never met since 4 May; water: 10 min late.
    assert slowest == [(cast.roads_org.short_name, 2, 1), (cast.water_org.short_name, 1, 0)]
    assert "сообщений из соцсетей и вручную, включая ленту" in response.content.decode()


def test_chart_labels_are_whole():
    from otklik.reports import charts

    name = "Управление жилищно-коммунального хозяйства и благоустройства администрации округа"
    svg = charts.hbars([(name, 80.0)], fmt="{:.0f} %", max_value=100)
    lines = re.findall(r'<text x="0" y="\d+" font-size="12">([^<]*)</text>', svg)
    assert " ".join(lines) == name
    weeks = charts.weekly_bars([{"label": "30.11", "received": 123456, "answered": 5}])
    assert 'x="44" y="18" text-anchor="end" font-size="11">123456<' in weeks
