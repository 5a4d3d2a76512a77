import datetime as dt

from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from otklik.api.models import ApiToken, ServiceToken, hash_token
from otklik.api.tests.conftest import BASE, ApiClient, error_code


def _session(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies["csrftoken"] = get_random_string(32)  # what the pages' CSRF cookie holds
    return client


def _create(client, body):
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    return client.post(f"{BASE}/tokens", body, content_type="application/json", headers={"X-CSRFToken": token})


def test_it_creates_a_token_from_the_session_and_shows_it_once(cast):
    client = _session(cast.specialist)
    r = _create(client, {"name": "Скрипт отчётов", "expires_in_days": 30})
    assert r.status_code == 201, r.content
    raw = r.json()["token"]
    row = ApiToken.objects.get(pk=r.json()["id"])
    assert row.token_hash == hash_token(raw)
    assert raw not in str(ApiToken.objects.filter(pk=row.pk).values().get())
    listed = client.get(f"{BASE}/tokens").json()
    assert listed[0]["hint"] == raw[:12] and "token" not in listed[0]
    assert ApiClient(raw).get("/me").json()["username"] == "specialist"


def test_session_post_without_csrf_is_refused(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.specialist)
    r = client.post(f"{BASE}/tokens", {"name": "x"}, content_type="application/json")
    assert r.status_code == 403
    assert error_code(r) == "csrf_failed"
    assert not ApiToken.objects.exists()


def test_a_token_cannot_mint_another_token(cast, as_user):
    r = as_user(cast.specialist).post("/tokens", {"name": "ещё"})
    assert r.status_code == 403
    assert ApiToken.objects.count() == 1


def test_it_records_last_use(cast, as_user):
    api = as_user(cast.roads)
    api.get("/me")
    assert ApiToken.objects.get().last_used_at is not None


def test_revoked_token_is_refused_with_a_clear_code(cast, as_user):
    api = as_user(cast.roads)
    token_id = ApiToken.objects.get().pk
    assert api.delete(f"/tokens/{token_id}").status_code == 200
    r = api.get("/cases")
    assert r.status_code == 401
    assert error_code(r) == "token_revoked"


def test_expired_token_is_refused(cast, as_user):
    api = as_user(cast.roads)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    r = api.get("/cases")
    assert r.status_code == 401
    assert error_code(r) == "token_expired"


def test_unknown_and_malformed_tokens_are_refused(db):
    assert error_code(ApiClient("otk_p_nonsense").get("/me")) == "invalid_token"
    assert error_code(ApiClient("garbage").get("/me")) == "invalid_token"


def test_it_cannot_revoke_someone_elses_token(cast, as_user):
    as_user(cast.roads)
    theirs = ApiToken.objects.get()
    r = as_user(cast.water).delete(f"/tokens/{theirs.pk}")
    assert r.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_token_of_an_inactive_user_is_refused(cast, as_user):
    api = as_user(cast.roads)
    cast.roads.is_active = False
    cast.roads.save()
    assert error_code(api.get("/me")) == "user_inactive"


def test_service_token_says_who_it_is(cast, as_service):
    me = as_service("push", "read").get("/me").json()
    assert me == {
        "kind": "service",
        "username": None,
        "full_name": "ЦУР",
        "municipality": "georgievsk",
        "permissions": ["push", "read"],
        "roles": [],
    }


def test_revoked_service_token_is_refused(cast, as_service):
    api = as_service("read")
    ServiceToken.objects.update(revoked_at=timezone.now())
    assert error_code(api.get("/cases")) == "token_revoked"


def test_service_token_cannot_use_personal_endpoints(cast, as_service):
    r = as_service("read").get("/tokens")
    assert r.status_code == 403


def test_the_pages_session_reads_without_a_token(cast):
    client = _session(cast.head)
    r = client.get(f"{BASE}/me")
    assert r.status_code == 200
    assert r.json()["username"] == "head"


def test_session_post_with_csrf_acts(cast, make_case):
    case = make_case()
    client = _session(cast.specialist)
    r = client.post(
        f"{BASE}/cases/{case.pk}/dismiss",
        {"reason": "Не требует реакции"},
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "dismissed"
