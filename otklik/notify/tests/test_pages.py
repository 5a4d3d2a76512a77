"""The bell in the navigation, the list, opening a notification, the settings page."""

from __future__ import annotations

from otklik.notify import services
from otklik.notify.models import Notification, NotifySettings


def _one(cast, user, **kw):  # type: ignore[no-untyped-def]
    return services.notify(
        [user],
        kind="case_routed",
        title="Новое <b>обращение</b>",
        url="/cases/7/",
        dedupe_key="k",
        municipality=cast.municipality,
        **kw,
    )[0]


def test_the_bell_shows_the_unread_count(cast, client):
    _one(cast, cast.roads)
    client.force_login(cast.roads)
    page = client.get("/notifications/").content.decode()
    assert 'href="/notifications/"' in page and '<span class="badge">1</span>' in page
    assert "Новое &lt;b&gt;обращение&lt;/b&gt;" in page


def test_opening_marks_it_read_and_goes_to_the_case(cast, client):
    n = _one(cast, cast.roads)
    client.force_login(cast.roads)
    response = client.get(f"/notifications/{n.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/cases/7/"
    assert Notification.objects.get().read_at is not None


def test_nobody_opens_another_persons_notification(cast, client):
    n = _one(cast, cast.roads)
    client.force_login(cast.housing)
    assert client.get(f"/notifications/{n.pk}/open/").status_code == 404


def test_read_all(cast, client):
    _one(cast, cast.roads)
    client.force_login(cast.roads)
    client.post("/notifications/read-all/")
    assert services.unread_count(cast.roads) == 0


def test_settings_save_channels_and_give_a_link_code(cast, client, bot):
    client.force_login(cast.roads)
    client.post("/notifications/settings/", {"action": "save", "telegram_enabled": "on"})
    prefs = NotifySettings.objects.get(user=cast.roads)
    assert not prefs.email_enabled and prefs.telegram_enabled
    page = client.post("/notifications/settings/", {"action": "link"}).content.decode()
    prefs.refresh_from_db()
    assert f"/start {prefs.link_code}" in page
