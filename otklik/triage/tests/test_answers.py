from otklik.triage.answers import AnswerIndex
from otklik.triage.text import normalize


def test_it_suggests_answers_to_the_most_similar_questions():
    index = AnswerIndex(
        [
            (1, normalize("Когда вывезут мусор с площадки на Ленина?").lemmas, "Вывоз мусора выполнен."),
            (2, normalize("Яма на дороге по улице Мира").lemmas, "Ямочный ремонт запланирован на май."),
            (3, normalize("Нет горячей воды").lemmas, "Подача воды восстановлена."),
        ]
    )
    found = index.suggest(normalize("На Мира огромная яма на дороге").lemmas)
    assert [a.key for a in found][:1] == [2]
    assert index.suggest(normalize("Спасибо за концерт").lemmas) == []
