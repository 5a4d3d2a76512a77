from otklik.directory.models import OfficialAccount


def test_public_page_lists_public_accounts_without_login(client, cast):
    r = client.get("/public/accounts/")
    assert r.status_code == 200
    assert "Администрация Георгиевского округа" in r.content.decode()
    assert 'rel="noopener noreferrer"' in r.content.decode()


def test_public_page_hides_private_and_inactive_accounts(client, cast):
    OfficialAccount.objects.create(
        organization=cast.roads_org,
        network="vk",
        name="Закрытый чат",
        url="https://vk.com/private_roads",
        is_public=False,
    )
    OfficialAccount.objects.create(
        organization=cast.roads_org,
        network="vk",
        name="Старый аккаунт",
        url="https://vk.com/old_roads",
        is_active=False,
    )
    body = client.get("/public/accounts/").content.decode()
    assert "Закрытый чат" not in body
    assert "Старый аккаунт" not in body


def test_json_never_contains_credentials(client, cast):
    cast.vk_account.set_credentials({"community_token": "vk1.a.top-secret"})
    cast.vk_account.save()
    r = client.get("/public/accounts.json")
    assert r.status_code == 200
    assert "top-secret" not in r.content.decode()
    assert "credentials" not in r.content.decode()
    org = r.json()["organizations"][0]
    assert org["accounts"][0] == {
        "network": "vk",
        "network_name": "ВКонтакте",
        "name": "Администрация Георгиевского округа",
        "url": "https://vk.com/georgievsk_adm",
    }


def test_json_filters_by_municipality(client, cast):
    OfficialAccount.objects.create(
        organization=cast.other_org, network="ok", name="МинВоды", url="https://ok.ru/group/555"
    )
    data = client.get("/public/accounts.json?municipality=minvody").json()
    assert [o["organization_short_name"] for o in data["organizations"]] == ["Администрация МВ"]


def test_unknown_municipality_is_404(client, cast):
    assert client.get("/public/accounts/?municipality=atlantis").status_code == 404


def test_account_names_are_escaped(client, cast):
    OfficialAccount.objects.create(
        organization=cast.roads_org, network="vk", name="<script>alert(1)</script>", url="https://vk.com/xss_roads"
    )
    body = client.get("/public/accounts/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
