from datetime import UTC, datetime, timedelta

import pytest

from otklik.triage.pipeline import triage
from otklik.triage.significance import RecentMessage, assess, burst_size

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Второй день нет воды во всём посёлке", "нет воды"),
        ("Отключили отопление в школе, дети мёрзнут", "нет отопления"),
        ("На Садовой пропал свет в трёх домах", "нет электричества"),
        ("В подъезде сильно пахнет газом!", "утечка газа"),
        ("Горит дом на Ленина, дым виден издалека", "пожар"),
        ("Серьёзное ДТП на трассе у въезда в город", "ДТП / авария"),
        ("Обрушилась крыша старой школы", "обрушение"),
        ("Прорыв трубы, затопило улицу", "прорыв / подтопление"),
    ],
)
def test_it_finds_emergencies(text, reason):
    out = triage(text)
    assert out.significance.significant
    assert reason in out.significance.reasons


def test_an_ordinary_complaint_is_not_significant():
    assert not triage("Просим покрасить скамейки во дворе").significance.significant
    assert not triage("Есть вода? Спасибо, уже дали").significance.reasons == ["нет воды"]


def recent(minutes_ago: int, area: str = "Шаумянский", topic: str | None = "Водоснабжение и водоотведение"):
    return RecentMessage(T0 - timedelta(minutes=minutes_ago), area, topic, frozenset({"вода", "нет"}))


def test_it_counts_a_burst_of_similar_messages_from_one_area():
    others = [recent(10), recent(30), recent(50), recent(70), recent(200), recent(5, area="Краснокумский")]
    size = burst_size(T0, "Шаумянский", "Водоснабжение и водоотведение", ["вода"], others)
    assert size == 4  # the one 200 minutes ago and the other village do not count
    verdict = assess(["вода"], burst=size, burst_threshold=5, area="Шаумянский")
    assert verdict.significant
    assert verdict.reasons == ["всплеск: 5 похожих сообщений (Шаумянский)"]


def test_a_few_messages_are_not_a_burst():
    assert not assess(["вода"], burst=2, burst_threshold=5, area="Шаумянский").significant


def test_high_engagement_is_significant():
    verdict = assess(["дорога"], engagement={"likes": 40, "comments": 30, "reposts": 5})
    assert verdict.significant
    assert verdict.reasons[0].startswith("высокий отклик")
