"""Network text cannot run script in our pages; the pages as a person sees them (screenshots)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect

from otklik.cases import actions
from otklik.cases.models import Case
from otklik.connectors.base import Attachment
from otklik.directory.models import Municipality, Organization
from otklik.web.tests.browser_helpers import People
from otklik.web.tests.helpers import incoming

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(buf, "PNG")
    return buf.getvalue()


PHOTO = _photo()
PAYLOADS = [line for line in (Path(__file__).parent / "xss_payloads.txt").read_text().splitlines() if line.strip()]

# Everything in the DOM that would mean network text became markup.
DOM_AUDIT = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if (a.name.startsWith('hx-trigger') || a.name.startsWith('hx-on')) bad.push(el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'data', 'formaction', 'srcdoc'].includes(a.name) && /^\\s*(javascript|data:text)/i.test(a.value))
        bad.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
  }
  for (const el of document.querySelectorAll('#main iframe, #main object, #main embed, #main svg, #main math, #main marquee, #main xmp, #main base, #main meta, #main style, #main template, #main video, #main audio, #main details[ontoggle]'))
    bad.push('element ' + el.tagName);
  const scripts = Array.from(document.scripts).map(s => s.getAttribute('src'));
  return {bad, scripts};
}"""


@pytest.fixture
def demo(live_server, browser):  # type: ignore[no-untyped-def]
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    people = People(browser, live_server.url)
    yield people
    people.close()


def municipality() -> Municipality:
    return Municipality.objects.get(slug="georgievsk")


def audit(people: People, page) -> None:  # type: ignore[no-untyped-def]
    found = page.evaluate(DOM_AUDIT)
    assert found["bad"] == [], found["bad"][:5]
    assert all(src and src.startswith("/static/web/") for src in found["scripts"]), found["scripts"]
    assert people.problems == [], people.problems[:5]


def test_script_injection_corpus_never_runs_in_inbox_feed_and_case_pages(demo):
    assert len(PAYLOADS) >= 50
    muni = municipality()
    specialist = User.objects.get(username="specialist")
    roads = Organization.objects.get(municipality=muni, short_name="Управление дорог")
    messages = [
        incoming(
            f"Сообщение {i}: {p}",
            author_name=p[:300],
            author_url=p if i % 2 else "javascript:alert('author')",
            url=p if i % 3 else "javascript:alert('url')",
            attachments=[Attachment("photo", "javascript:alert('att')", p[:200]), Attachment("link", p, p[:200])],
        )
        for i, p in enumerate(PAYLOADS)
    ]
    corpus = incoming("\n".join(PAYLOADS), author_name=PAYLOADS[0])
    # Ten stay in the feed, the rest go straight to the inbox (as manual entry does).
    cases = actions.do_register_posts(muni, messages[:10]) + actions.do_register_posts(
        muni, [*messages[10:], corpus], detected=True, acting_user=specialist
    )
    corpus_case = Case.objects.get(pk=cases[-1].pk)
    corpus_case = actions.do_route_case(corpus_case, [roads], acting_user=specialist)
    corpus_case = actions.do_submit_draft(
        corpus_case, text=PAYLOADS[7] + " " + PAYLOADS[0], acting_user=User.objects.get(username="roads")
    )
    draft = corpus_case.drafts.get()
    actions.do_return_draft(draft, remarks=PAYLOADS[10], acting_user=specialist)

    for path in [
        "/feed/",
        "/inbox/?view=all",
        "/inbox/?view=all&page=2",
        "/inbox/?view=all&page=3",
        "/inbox/?view=route",
    ]:
        page = demo.open("specialist", path)
        expect(page.locator("h1")).to_be_visible()
        audit(demo, page)
    page = demo.open("specialist", "/inbox/?view=all")
    assert "<script>alert(1)</script>" in page.locator(".case-list").inner_text()  # shown as text, not run

    for case in [cases[0], cases[11], cases[30], corpus_case]:
        page = demo.open("specialist", f"/cases/{case.pk}/")
        audit(demo, page)
    text = page.locator(".msg-text").inner_text()
    missing = [p for p in PAYLOADS if p.strip() not in text]
    assert missing == [], missing[:3]  # every payload is shown literally, nothing was eaten as markup
    expect(page.locator(".draft-remarks")).to_contain_text(PAYLOADS[10])

    page = demo.open("roads", f"/cases/{corpus_case.pk}/")  # the executor's page with the form pre-filled
    audit(demo, page)
    expect(page.locator("#id_text")).to_have_value(PAYLOADS[7] + " " + PAYLOADS[0])


def test_screenshots_of_inbox_and_case_at_desktop_and_phone_width(demo, artifacts_dir):
    muni = municipality()
    spec = User.objects.get(username="specialist")
    roads_user = User.objects.get(username="roads")
    org = {o.short_name: o for o in Organization.objects.filter(municipality=muni)}
    texts = [
        (
            "Ирина Смирнова",
            "На улице Калинина возле дома 45 огромная яма, вчера машина пробила колесо. Когда засыплют?",
        ),
        ("Алексей Кравченко", "Третий день нет горячей воды на Октябрьской, 82. Управляющая компания трубку не берёт."),
        ("Галина Петровна", "Почему не горят фонари на улице Ленина от рынка до парка? Вечером страшно идти."),
        ("Виктор Лебедев", "На перекрёстке Ленина и Октябрьской не работает светофор, а рядом школа. Срочно!"),
        ("Ольга Н.", "Во дворе дома 12 по улице Гагарина сломаны качели, дети могут пораниться."),
    ]
    cases = [
        actions.do_detect_case(
            actions.do_register_post(
                muni,
                incoming(
                    t,
                    author_name=a,
                    attachments=[Attachment("photo", "https://example.org/photo.jpg", "фото.jpg")] if i == 0 else [],
                ),
            ),
            acting_user=spec,
        )
        for i, (a, t) in enumerate(texts)
    ]
    actions.do_flag_significant(cases[3], reason="Светофор у школы", acting_user=spec)
    main = actions.do_route_case(
        Case.objects.get(pk=cases[0].pk),
        [org["Управление дорог"], org["Водоканал"]],
        lead=org["Управление дорог"],
        acting_user=spec,
    )
    co = main.assignments.get(organization=org["Водоканал"], is_active=True)
    main = actions.do_submit_coexecutor_info(
        co, text="Колодец на Калинина проверили, течи нет.", acting_user=User.objects.get(username="water")
    )
    main = actions.do_approve_coexecutor_info(co, acting_user=spec)
    main = actions.do_submit_draft(main, text="Яму засыплем.", acting_user=roads_user)
    actions.do_return_draft(main.drafts.get(), remarks="Укажите срок и извинитесь за неудобства.", acting_user=spec)
    actions.do_submit_draft(
        Case.objects.get(pk=main.pk),
        text="Здравствуйте! Извините за неудобства: яму на Калинина, 45 засыплем до пятницы.",
        acting_user=roads_user,
    )
    actions.do_route_case(Case.objects.get(pk=cases[1].pk), [org["Управление ЖКХ"]], acting_user=spec)

    referers: list[str | None] = []
    for who in ("specialist", "zhkh"):
        demo.page(who).context.route(
            "https://example.org/**",
            lambda route, request: (
                referers.append(request.headers.get("referer")),
                route.fulfill(status=200, content_type="image/png", body=PHOTO),
            ),
        )
    for width, height in ((1440, 900), (375, 800)):
        page = demo.page("specialist")
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{demo.base}/inbox/?view=all")
        expect(page.locator(".case-row")).to_have_count(5)
        assert page.evaluate("new Date().toISOString()") == "2025-03-03T07:00:00.000Z"  # the frozen clock
        page.screenshot(path=f"{artifacts_dir}/inbox-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.goto(f"{demo.base}/cases/{main.pk}/")
        expect(page.locator("[data-action=approve_draft]")).to_be_visible()
        page.screenshot(path=f"{artifacts_dir}/case-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page = demo.page("zhkh")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{demo.base}/cases/{cases[1].pk}/")
    expect(page.locator("#id_text")).to_be_visible()
    page.screenshot(path=f"{artifacts_dir}/case-executor-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Photos from collected messages are shown from the application's own copies (issue 19):
    # the page never asks the network's hosts for them, so no IP/time beacon reaches whoever posted.
    assert referers == []
    assert demo.problems == []
