def test_login_page_is_russian(client, db):
    r = client.get("/login/")
    assert r.status_code == 200
    assert "Вход в «Отклик»" in r.content.decode()
    assert "Content-Security-Policy" in r


def test_pages_need_login(client, db):
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_user_can_log_in_and_out(client, cast):
    r = client.post("/login/", {"username": "specialist", "password": "otklik-test-pass"})
    assert r.status_code == 302
    assert client.get("/").status_code in (200, 302)
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_shows_an_error(client, cast):
    r = client.post("/login/", {"username": "specialist", "password": "wrong"})
    assert r.status_code == 200
    assert "alert" in r.content.decode()
