import pytest

from otklik.triage.abuse import detect_abuse
from otklik.triage.text import normalize


def categories(text: str) -> list[str]:
    found = detect_abuse(normalize(text))
    return found.categories if found else []


@pytest.mark.parametrize(
    "text",
    ["да пошли вы нахуй", "какой пиздец", "х*й вам", "бл**ь опять", "xуй", "п.и.з.д.е.ц", "ёб@ный стыд", "б л я д ь"],
)
def test_it_finds_obscenity_including_obfuscated_forms(text):
    assert categories(text) == ["obscenity"]


@pytest.mark.parametrize(
    "text",
    [
        "Застрахуйте машину заранее",
        "Не употребляйте воду из-под крана",
        "Нас оскорбляют такие ответы",
        "Потребовали убрать снег, небо серое, хлеба нет",
        "Мудрое решение, командир! Мандарины и херсонские арбузы",
        "Бляха на ремне",
        "Хулиганы сломали скамейку, стало хуже",
    ],
)
def test_the_allow_list_and_lookalike_words_are_not_flagged(text):
    assert categories(text) == []


def test_it_flags_an_insult_aimed_at_a_person():
    assert categories("Ты дебил, а не глава") == ["insult"]
    assert categories("Глава района — урод и тварь") == ["insult"]
    assert categories("Уроды, когда уберёте мусор?") == ["insult"]


def test_it_does_not_flag_insult_words_without_a_target():
    assert categories("Какие-то уроды опять сломали скамейку во дворе") == []
    assert categories("Кондиционеры уродуют фасад") == []


def test_it_flags_obfuscated_insults():
    assert categories("ты с*ка") == ["insult"]
    assert categories("ты ДЕБИИИИЛ") == ["insult"]


@pytest.mark.parametrize(
    "text", ["Я тебя убью", "Сожгу вашу машину", "мы вас всех перестреляем и закопаем", "тебе конец"]
)
def test_it_flags_threats(text):
    assert "threat" in categories(text)


def test_third_person_danger_is_not_a_threat():
    assert categories("Провод висит, кого-нибудь убьёт током") == []
    assert categories("Я не убью время в очереди") == []


def test_a_message_can_carry_several_categories_with_evidence_spans():
    text = "Ты тварь, я тебя убью нахуй"
    found = detect_abuse(normalize(text))
    assert set(found.categories) == {"insult", "threat", "obscenity"}
    spans = {e.category: text[e.start : e.end] for e in found.evidence}
    assert spans == {"insult": "тварь", "threat": "убью", "obscenity": "нахуй"}


def test_an_angry_complaint_is_not_abuse():
    text = "Безобразие! Третий месяц не вывозят мусор, администрация бездействует, это издевательство над жителями!"
    assert categories(text) == []
