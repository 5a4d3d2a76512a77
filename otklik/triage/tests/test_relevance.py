import pytest

from otklik.triage.pipeline import triage


@pytest.mark.parametrize(
    "text",
    [
        "Когда уберут мусор во дворе? Контейнеры не вывозят уже неделю!",
        "Прошу отремонтировать дорогу на улице Ленина, сплошные ямы",
        "Третий день нет горячей воды в доме 5 по Мира",
        "Не горит фонарь у школы, дети идут в темноте",
    ],
)
def test_it_marks_requests_and_problems_relevant(text):
    out = triage(text)
    assert out.relevance.relevant, out.relevance.reasons
    assert out.relevance.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Спасибо!",
        "Спасибо большое за вашу работу!",
        "👍👍👍",
        "",
        "Всем привет",
        "Скидки 50%! Подписывайтесь https://t.me/shop",
    ],
)
def test_it_marks_thanks_emoji_chatter_and_ads_irrelevant(text):
    out = triage(text)
    assert not out.relevance.relevant
    assert out.relevance.reasons


def test_it_explains_itself():
    reasons = triage("Почему не вывозят мусор?").relevance.reasons
    assert "есть вопрос" in reasons


@pytest.mark.parametrize(
    "text",
    ["Продам гараж", "Сдам квартиру посуточно", "Отдам котят в добрые руки", "Требуется водитель, зарплата 50 тысяч"],
)
def test_offers_are_not_relevant_and_get_no_routing_suggestions(text):
    from otklik.triage.pipeline import Triager
    from otklik.triage.routing import KeywordRouter

    router = KeywordRouter({"housing": ("квартира, гараж, водитель", []), "roads": ("дорога", [])})
    out = Triager(keyword_router=router).run(text)
    assert not out.relevance.relevant
    assert any("объявлени" in r for r in out.relevance.reasons)
    assert out.suggestions == []


@pytest.mark.parametrize(
    "text",
    [
        "Просьба привести асфальт в нормальный вид. Спасибо",  # thanks after a request
        "Доброго времени суток! Не горит фонарь. Спасибо за работу!",
        "Парадная №3: требуется влажная уборка, график уборки не соблюдается.",  # not a job notice
        "здравствуйте ... в подъезде номер 3 нужна уборка ... спасибо за ваш труд",
    ],
)
def test_polite_complaints_stay_relevant(text):
    assert triage(text).relevance.relevant, triage(text).relevance.reasons


@pytest.mark.parametrize("text", ["Сломанная скамейка", "Подстричь кусты", "Опора под углом"])
def test_a_short_complaint_in_unknown_words_still_gets_suggestions(text):
    from otklik.triage.pipeline import Triager
    from otklik.triage.routing import KeywordRouter

    router = KeywordRouter({"roads": ("опора", []), "parks": ("куст, скамейка", [])})
    out = Triager(keyword_router=router).run(text)
    assert out.relevance.routable
    assert out.suggestions


@pytest.mark.parametrize("text", ["Всем привет", "ок", "Спасибо большое за вашу работу!"])
def test_chatter_and_thanks_get_no_suggestions(text):
    from otklik.triage.pipeline import Triager
    from otklik.triage.routing import KeywordRouter

    out = Triager(keyword_router=KeywordRouter({"roads": ("работа, привет", [])})).run(text)
    assert not out.relevance.routable and out.suggestions == []
