from datetime import UTC, datetime, timedelta

from otklik.triage.repeats import PriorMessage, find_repeats
from otklik.triage.text import normalize

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def prior(case_id, author, text, days_ago, thread=None, handled=True):
    return PriorMessage(
        case_id, author, thread, T0 - timedelta(days=days_ago), frozenset(normalize(text).lemmas), handled
    )


def lemmas(text):
    return normalize(text).lemmas


def test_it_finds_the_same_author_with_a_similar_message():
    earlier = [prior(7, "vk:1", "Не вывозят мусор с контейнерной площадки на Ленина", 5)]
    found = find_repeats(
        author_id="vk:1", thread_key=None, at=T0, lemmas=lemmas("Снова не вывозят мусор на Ленина!"), prior=earlier
    )
    assert [c.case_id for c in found] == [7]
    assert found[0].reason == "тот же автор, похожий текст"


def test_it_ignores_other_authors_other_subjects_and_old_messages():
    earlier = [
        prior(1, "vk:2", "Не вывозят мусор на Ленина", 5),
        prior(2, "vk:1", "Когда отремонтируют дорогу у школы", 5),
        prior(3, "vk:1", "Не вывозят мусор на Ленина", 60),
    ]
    found = find_repeats(
        author_id="vk:1", thread_key=None, at=T0, lemmas=lemmas("Не вывозят мусор на Ленина"), prior=earlier
    )
    assert found == []


def test_a_new_comment_in_a_handled_thread_is_a_repeat():
    earlier = [prior(9, "vk:5", "Яма на дороге", 1, thread="wall-1_10")]
    found = find_repeats(
        author_id="vk:6", thread_key="wall-1_10", at=T0, lemmas=lemmas("А воз и ныне там"), prior=earlier
    )
    assert [c.case_id for c in found] == [9]


def test_the_window_is_configurable():
    earlier = [prior(3, "vk:1", "Не вывозят мусор на Ленина", 60)]
    found = find_repeats(
        author_id="vk:1",
        thread_key=None,
        at=T0,
        lemmas=lemmas("Не вывозят мусор на Ленина"),
        prior=earlier,
        window=timedelta(days=90),
    )
    assert [c.case_id for c in found] == [3]


def test_the_same_text_from_the_same_author_says_so():
    earlier = [prior(4, "vk:1", "Не вывозят мусор с площадки на Ленина 12", 3)]
    found = find_repeats(
        author_id="vk:1",
        thread_key=None,
        at=T0,
        lemmas=lemmas("Не вывозят мусор с площадки на Ленина 12!"),
        prior=earlier,
    )
    assert [(c.case_id, c.similarity, c.reason) for c in found] == [(4, 1.0, "тот же автор, тот же текст")]


def test_a_nearly_identical_text_about_the_same_place_from_another_author_is_a_repeat():
    text = "Не вывозят мусор с контейнерной площадки на улице Ленина 12 уже неделю"
    earlier = [
        PriorMessage(5, "vk:2", None, T0 - timedelta(days=2), frozenset(lemmas(text)), True, frozenset({"ленин 12"})),
        PriorMessage(6, "vk:3", None, T0 - timedelta(days=2), frozenset(lemmas(text)), True, frozenset({"мир 3"})),
        PriorMessage(
            7,
            "vk:4",
            None,
            T0 - timedelta(days=2),
            frozenset(lemmas("Яма на улице Ленина 12")),
            True,
            frozenset({"ленин 12"}),
        ),
    ]
    found = find_repeats(
        author_id="vk:9",
        thread_key=None,
        at=T0,
        lemmas=lemmas("Не вывозят мусор с контейнерной площадки на улице Ленина, 12, уже неделю!"),
        prior=earlier,
        places=["ленин 12"],
    )
    assert [c.case_id for c in found] == [5]
    assert found[0].reason == "то же место (ленин 12), почти тот же текст"
