import pytest
from django.contrib.auth.models import User

from otklik.directory.models import Municipality
from otklik.regulation.models import RegulationProfile, WorkInterval, WorkSchedule
from otklik.regulation.services import active_profile, create_default_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root", "root@example.org", "pass")
    client.force_login(user)
    return client


@pytest.fixture
def muni():
    return Municipality.objects.create(name="Георгиевский городской округ", slug="georgievsk")


def schedule_post(muni, rows):
    data = {
        "municipality": muni.pk,
        "comment": "",
        "intervals-TOTAL_FORMS": len(rows),
        "intervals-INITIAL_FORMS": 0,
        "intervals-MIN_NUM_FORMS": 0,
        "intervals-MAX_NUM_FORMS": 1000,
    }
    for i, (weekday, start, end) in enumerate(rows):
        data |= {f"intervals-{i}-weekday": weekday, f"intervals-{i}-start": start, f"intervals-{i}-end": end}
    return data


def test_admin_pages_are_in_russian(admin_client, muni):
    active_profile(muni)
    for url in ["/admin/regulation/", "/admin/regulation/regulationprofile/", "/admin/regulation/workschedule/add/"]:
        response = admin_client.get(url)
        assert response.status_code == 200
    page = admin_client.get(f"/admin/regulation/regulationprofile/{active_profile(muni).pk}/change/").content.decode()
    assert "Сроки этапов" in page and "Направление исполнителю" in page and "рабочих минут" in page


def test_admin_saves_a_schedule_with_its_intervals(admin_client, muni):
    response = admin_client.post(
        "/admin/regulation/workschedule/add/", schedule_post(muni, [(0, "09:00", "13:00"), (0, "14:00", "18:00")])
    )
    assert response.status_code == 302
    assert WorkInterval.objects.count() == 2


@pytest.mark.parametrize(
    "rows, message",
    [
        ([(0, "09:00", "13:00"), (0, "12:00", "18:00")], "пересекаются"),
        ([(1, "18:00", "09:00")], "заканчивается не позже"),
        ([], "нет ни одного рабочего интервала"),
    ],
)
def test_admin_refuses_a_bad_schedule_and_saves_nothing(admin_client, muni, rows, message):
    response = admin_client.post("/admin/regulation/workschedule/add/", schedule_post(muni, rows))
    assert response.status_code == 200 and message in response.content.decode()
    assert not WorkSchedule.objects.exists() and not WorkInterval.objects.exists()


def test_admin_action_makes_a_profile_active(admin_client, muni):
    first = active_profile(muni)
    second = create_default_profile(muni)
    response = admin_client.post(
        "/admin/regulation/regulationprofile/",
        {"action": "make_active", "_selected_action": [second.pk]},
        follow=True,
    )
    assert "Уже идущие сроки не пересчитываются" in response.content.decode()
    assert list(RegulationProfile.objects.filter(is_active=True)) == [second]
    assert first.pk != second.pk


def test_admin_explains_the_one_active_profile_rule(admin_client, muni):
    active_profile(muni)
    response = admin_client.post(
        "/admin/regulation/regulationprofile/add/",
        {
            "municipality": muni.pk,
            "name": "Второй",
            "source": "",
            "is_active": "on",
            "limits-TOTAL_FORMS": 0,
            "limits-INITIAL_FORMS": 0,
            "limits-MIN_NUM_FORMS": 0,
            "limits-MAX_NUM_FORMS": 1000,
        },
    )
    assert response.status_code == 200 and "уже есть действующий профиль" in response.content.decode()
    assert RegulationProfile.objects.count() == 1
