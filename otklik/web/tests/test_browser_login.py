import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_user_logs_in_in_a_real_browser(live_server, page, artifacts_dir):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "specialist")
    page.fill("#id_password", "otklik-demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url
    assert page.locator("header.top").inner_text().find("Карицкая") >= 0
    page.screenshot(path=f"{artifacts_dir}/login-done.png")


def test_wrong_password_is_refused_in_a_real_browser(live_server, page):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "specialist")
    page.fill("#id_password", "nope")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()


def test_public_accounts_page_in_a_real_browser(live_server, page, artifacts_dir):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/public/accounts/")
    assert page.get_by_text("Георгиевский филиал ГУП СК «Ставрополькрайводоканал»").is_visible()
    links = page.locator("a[target=_blank]")
    assert links.count() >= 8
    assert links.first.get_attribute("rel") == "noopener noreferrer"
    page.screenshot(path=f"{artifacts_dir}/public-accounts-375.png", full_page=True)
