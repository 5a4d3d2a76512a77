import pytest

from otklik.triage.abuse import AbuseLayer, abuse_layer, detect_abuse, layer_features, rule_abuse
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


def test_it_flags_insults_of_groups_and_public_figures():
    assert categories("Какие-то уроды опять сломали скамейку во дворе") == ["insult"]
    assert categories("Путин дебил") == ["insult"]
    assert categories("Латентная русня опять") == ["insult"]


def test_it_counts_a_reply_to_a_mention_second_person_verbs_and_short_messages_as_aimed():
    assert categories("[id1|Иван], баран упрямый") == ["insult"]
    assert categories("Так что успокойся, шизик.") == ["insult"]
    assert categories("шизоид") == ["insult"]


def test_it_does_not_flag_words_with_an_ordinary_meaning_without_a_target():
    assert categories("Кондиционеры уродуют фасад") == []
    assert categories("Крысы в 7 подъезде. Выходишь из подъезда, а они бегают!") == []
    assert categories("У ивы сломан сук, висит на остатках волокон") == []
    assert categories("Из колодца течёт вонючая жидкость, гнилые листья кругом") == []
    assert categories("Протокол собрания признан судом ничтожным") == []


@pytest.mark.parametrize("text", ["херня какая-то", "да похер им", "нахер такие ответы", "Хера себе"])
def test_her_and_its_forms_are_not_obscenity(text):
    assert categories(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "х%й тебе",
        "пи/дец полный",
        "бл..дь опять",
        "х** вам",
        "ослоеб",
        "лахто-параша хуемразь",
        "bлядь",
        "долбоеб",
    ],
)
def test_it_finds_masked_compound_and_lookalike_obscenity(text):
    assert categories(text)[:1] == ["obscenity"]


def test_it_flags_obfuscated_insults():
    assert categories("ты с*ка") == ["insult"]
    assert categories("ты ДЕБИИИИЛ") == ["insult"]


@pytest.mark.parametrize(
    "text",
    [
        "Я тебя убью",
        "Сожгу вашу машину",
        "мы вас всех перестреляем и закопаем",
        "тебе конец",
        "чтоб ты сдох",
        "Чтобы вы все подохли",
        "таких надо расстреливать",
        "перестрелять бы их всех",
        "сдохни",
    ],
)
def test_it_flags_threats(text):
    assert "threat" in categories(text)


def test_third_person_danger_is_not_a_threat():
    assert categories("Провод висит, кого-нибудь убьёт током") == []
    assert categories("Я не убью время в очереди") == []
    assert categories("Нет сетки. Нужно повесить антивандальные") == []
    assert categories("Дерево надо спилить, сухие ветки нужно сжечь") == []


def test_a_message_can_carry_several_categories_with_evidence_spans():
    text = "Ты тварь, я тебя убью нахуй"
    found = detect_abuse(normalize(text))
    assert set(found.categories) == {"insult", "threat", "obscenity"}
    spans = {e.category: text[e.start : e.end] for e in found.evidence}
    assert spans == {"insult": "тварь", "threat": "убью", "obscenity": "нахуй"}


def test_an_angry_complaint_is_not_abuse():
    text = "Безобразие! Третий месяц не вывозят мусор, администрация бездействует, это издевательство над жителями!"
    assert categories(text) == []


def test_the_layer_flags_an_insult_not_aimed_by_the_rules_with_its_span():
    text = "Очередной клоун. До весеннего обострения еще пять дней."
    assert detect_abuse(normalize(text), use_layer=False) is None
    found = detect_abuse(normalize(text))
    assert found.categories == ["insult"]
    assert [text[e.start : e.end] for e in found.evidence] == ["клоун"]


def test_the_layer_keeps_the_allow_list():
    text = "Очередной клоун. До весеннего обострения еще пять дней."
    assert detect_abuse(normalize(text), frozenset({"клоун"})) is None


@pytest.mark.parametrize(
    "text",
    [
        "Тупой вопрос, но когда уберут снег",
        "В подвале крысы, когда вызовут дезинсекцию?",
        "Баран на детской площадке",
        "Соседи-алкаши опять орут ночью",
        "Жопа, а не дорога",
        "Какая херня, опять не вывезли мусор",
        "Во дворе кругом собачье говно, уберите",
    ],
)
def test_the_layer_leaves_complaints_with_rude_or_ordinary_words_clean(text):
    assert categories(text) == []


def test_the_layer_is_asked_only_when_a_candidate_word_is_present():
    nt = normalize("Ты поедешь завтра на дачу?")
    _, words, candidates = rule_abuse(nt)
    assert candidates == []
    assert abuse_layer().accepts(layer_features(nt, words, [0]))  # the forum style alone scores high
    assert detect_abuse(nt) is None


def test_listed_forms_do_not_make_their_ordinary_lemmas_insults():
    assert categories("Ты поедешь завтра на дачу?") == []
    assert categories("Ты перешёл черту, сосед") == []
    assert categories("Глава, у вас вода кончилась?") == []


def test_the_layer_file_round_trips():
    layer = AbuseLayer({"клоун": 1.5, "клоун очередной": -0.25, "=candidate": 2.0}, bias=-1.0, threshold=0.5)
    assert AbuseLayer.parse("# a comment\n" + layer.dump()) == layer
