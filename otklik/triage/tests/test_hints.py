"""Readable hints: reasons in the citizen's words, Russian categories, at most three per hint."""

import re

import pytest
from django.test import Client

from otklik.cases.tests.helpers import Clock, msk
from otklik.triage.models import TriageResult
from otklik.triage.pipeline import triage
from otklik.triage.services import triage_post
from otklik.web.tests.helpers import feed_case


def test_it_quotes_the_citizen_words_not_lemmas():
    out = triage("Третий месяц нет горячей воды, не работает лифт. Примите меры!")
    reasons = " | ".join(out.relevance.reasons)
    assert "«Примите меры»" in reasons
    assert "«нет горячей воды»" in reasons
    assert "«не работает»" in reasons
    assert "не_работать" not in reasons
    assert not re.search(r": нет\b", reasons)
    assert out.topic.reasons == ["«горячей воды»"]


def test_thanks_and_ads_say_which_words():
    assert "благодарность: «Спасибо»" in triage("Спасибо!").relevance.reasons
    ad = triage("Скидки 50%! Подписывайтесь https://t.me/shop").relevance.reasons
    assert any(r.startswith("похоже на рекламу: «Скидки»") for r in ad)


@pytest.fixture
def clock():
    with Clock(msk(2025, 3, 3, 10, 0)) as c:
        yield c


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_the_case_page_shows_russian_categories_and_at_most_three_reasons(cast):
    text = (
        "Ты дебил, глава! Третий месяц нет воды, не работает лифт, сломана дверь, течёт крыша, "
        "разбито окно, яма у подъезда. Примите меры, отремонтируйте, уберите мусор!"
    )
    case = feed_case(cast, text)
    result = triage_post(case.primary_post_id)
    assert isinstance(result, TriageResult)
    assert result.abuse_labels == ["оскорбление"]
    client = Client()
    client.force_login(cast.specialist)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    section = page[page.index("Автоматический разбор") :]
    section = section[: section.index("</section>")]
    assert "оскорбление" in section and "insult" not in section
    for dd in re.findall(r"<dd>(.*?)</dd>", section, flags=re.S):
        assert dd.count('class="small muted"') <= 3


@pytest.mark.django_db
@pytest.mark.usefixtures("clock")
def test_the_route_form_lists_a_suggestions_reasons_as_a_phrase(cast):
    from otklik.web.tests.helpers import new_case

    case = new_case(cast, "Яма на дороге у дома 5")
    result = triage_post(case.primary_post_id)
    reasons = ["«яма»", "«на дороге»", "место: Центр", "«четвёртая причина»"]
    TriageResult.objects.filter(pk=result.pk).update(
        suggestions=[
            {
                "organization_id": cast.roads_org.pk,
                "organization": str(cast.roads_org),
                "confidence": 0.8,
                "reasons": reasons,
            }
        ]
    )
    client = Client()
    client.force_login(cast.specialist)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "предложено разбором (80%): «яма», «на дороге», место: Центр</div>" in page.replace("&laquo;", "«").replace(
        "&raquo;", "»"
    )
    assert "четвёртая причина" not in page
