"""Issue 18 §3 on the pages: assigning a named executor, «Мне», absences with a deputy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from otklik.directory.models import Absence, Membership, Role
from otklik.web.tests.helpers import routed_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def colleague(cast):  # type: ignore[no-untyped-def]
    user = User.objects.create_user("housing2", "h2@example.org", "x", first_name="Пётр", last_name="<b>Замов</b>")
    Membership.objects.create(user=user, role=Role.EXECUTOR, organization=cast.housing_org)
    return user


def _assign(cast, case, person):  # type: ignore[no-untyped-def]
    part = case.assignments.get()
    return client_for(cast.housing_chief).post(
        f"/cases/{case.pk}/act/assign_person/",
        {
            "prefix": f"who{part.pk}",
            f"who{part.pk}-assignment": part.pk,
            f"who{part.pk}-person": person.pk,
            f"who{part.pk}-version": case.version,
        },
    )


def test_the_responsible_assigns_from_the_case_page_and_it_shows_under_mine(cast):
    case = routed_case(cast, cast.housing_org, text="Течёт крыша в подъезде")
    page = client_for(cast.housing_chief).get(f"/cases/{case.pk}/").content.decode()
    assert "Назначить исполнителя" in page
    assert "Назначить исполнителя" not in client_for(cast.housing).get(f"/cases/{case.pk}/").content.decode()
    assert _assign(cast, case, cast.housing).status_code == 302
    assert "исполнитель: Жанна Коммунарова" in client_for(cast.housing).get(f"/cases/{case.pk}/").content.decode()
    assert "Течёт крыша" in client_for(cast.housing).get("/inbox/?view=mine").content.decode()
    assert "Течёт крыша" not in client_for(cast.housing_chief).get("/inbox/?view=mine").content.decode()


def test_the_deputy_sees_the_absent_persons_cases_under_mine(cast, colleague):
    case = routed_case(cast, cast.housing_org, text="Течёт крыша в подъезде")
    _assign(cast, case, cast.housing)
    Absence.objects.create(
        user=cast.housing,
        deputy=colleague,
        starts_on=dt.date(2025, 3, 3),
        ends_on=dt.date(2025, 3, 7),
        created_at=case.created_at,
    )
    assert "Течёт крыша" in client_for(colleague).get("/inbox/?view=mine").content.decode()
    page = client_for(cast.housing_chief).get(f"/cases/{case.pk}/").content.decode()
    assert "(отсутствует, замещает Пётр &lt;b&gt;Замов&lt;/b&gt;)" in page


def test_it_refuses_a_person_of_another_organization(cast):
    case = routed_case(cast, cast.housing_org)
    r = _assign(cast, case, cast.roads)
    assert r.status_code == 400
    assert case.assignments.get().assignee is None


def test_a_person_marks_an_absence_and_bad_dates_lose_nothing(cast, colleague):
    c = client_for(cast.housing)
    page = c.get("/absences/").content.decode()
    assert "&lt;b&gt;Замов&lt;/b&gt;" in page and "<b>Замов</b>" not in page
    bad = {"person": cast.housing.pk, "starts_on": "2025-03-07", "ends_on": "2025-03-03", "deputy": colleague.pk}
    r = c.post("/absences/", bad)
    assert r.status_code == 200 and "не раньше" in r.content.decode()
    assert 'value="2025-03-07"' in r.content.decode()  # what was typed is kept
    good = {**bad, "starts_on": "2025-03-03", "ends_on": "2025-03-07", "comment": "отпуск"}
    assert c.post("/absences/", good).status_code == 302
    assert Absence.objects.get().deputy == colleague
