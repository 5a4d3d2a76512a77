from otklik.api.tests.conftest import ApiClient, error_code


def test_openapi_document_is_served_with_russian_descriptions(db):
    r = ApiClient().get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["info"]["title"] == "Отклик API"
    assert "/api/v1/cases" in doc["paths"]


def test_docs_page_is_served(db):
    r = ApiClient().get("/docs")
    assert r.status_code == 200


def test_ping_needs_no_token_and_carries_a_request_id(db):
    r = ApiClient().get("/ping")
    assert r.json() == {"ok": True}
    assert len(r["X-Request-ID"]) >= 8


def test_it_keeps_a_sane_request_id_from_the_client(db):
    r = ApiClient().get("/ping", **{"X-Request-ID": "abc-12345-xyz"})
    assert r["X-Request-ID"] == "abc-12345-xyz"


def test_it_replaces_an_insane_request_id(db):
    r = ApiClient().get("/ping", **{"X-Request-ID": "<script>"})
    assert r["X-Request-ID"] != "<script>"


def test_unknown_path_is_a_json_404(db):
    r = ApiClient().get("/no/such/thing")
    assert r.status_code == 404
    assert error_code(r) == "not_found"
    assert r["X-Request-ID"]


def test_without_credentials_it_is_401(db):
    r = ApiClient().get("/cases")
    assert r.status_code == 401
    assert error_code(r) == "unauthorized"


def test_unsupported_method_is_a_json_405(db):
    r = ApiClient().client.put("/api/v1/cases")
    assert r.status_code == 405
    assert error_code(r) == "method_not_allowed"
    assert "GET" in r["Allow"]
