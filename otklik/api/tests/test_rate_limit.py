from django.test import override_settings

from otklik.api.tests.conftest import error_code


@override_settings(OTKLIK_API_RATE_LIMIT="3/m")
def test_it_limits_each_token_separately(cast, as_user):
    first, second = as_user(cast.roads), as_user(cast.roads)
    assert [first.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    r = first.get("/me")
    assert r.status_code == 429
    assert error_code(r) == "rate_limited"
    assert int(r["Retry-After"]) >= 1
    assert second.get("/me").status_code == 200


@override_settings(OTKLIK_API_SERVICE_RATE_LIMIT="2/m")
def test_service_tokens_have_their_own_limit(cast, as_service):
    api = as_service("read")
    assert [api.get("/me").status_code for _ in range(3)] == [200, 200, 429]


@override_settings(OTKLIK_API_RATE_LIMIT="0")
def test_zero_switches_the_limit_off(cast, as_user):
    api = as_user(cast.roads)
    assert {api.get("/me").status_code for _ in range(5)} == {200}
