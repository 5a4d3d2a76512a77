"""Sensible municipal defaults seeded into every new municipality."""

from __future__ import annotations

# (group, topic) — a compact municipal rubricator modelled on the ones regional
# management centres use; each municipality edits its own copy.
DEFAULT_TOPICS: list[tuple[str, str]] = [
    ("ЖКХ", "ЖКХ"),
    ("ЖКХ", "Водоснабжение и водоотведение"),
    ("ЖКХ", "Отопление"),
    ("ЖКХ", "Электроснабжение"),
    ("ЖКХ", "Газоснабжение"),
    ("ЖКХ", "Капитальный ремонт"),
    ("Дороги", "Дороги"),
    ("Дороги", "Уборка снега и наледи"),
    ("Благоустройство", "Благоустройство"),
    ("Благоустройство", "Освещение улиц"),
    ("Благоустройство", "Озеленение"),
    ("Транспорт", "Транспорт"),
    ("Образование", "Образование"),
    ("Здравоохранение", "Здравоохранение"),
    ("Социальная защита", "Социальная защита"),
    ("ТКО и экология", "ТКО и экология"),
    ("ТКО и экология", "Бродячие животные"),
    ("Культура и спорт", "Культура и спорт"),
    ("Безопасность", "Безопасность"),
    ("Строительство и архитектура", "Строительство и архитектура"),
    ("Торговля и услуги", "Торговля и услуги"),
    ("Прочее", "Прочее"),
]


def seed_topics(municipality) -> int:  # type: ignore[no-untyped-def]
    """Create the default topics a municipality lacks; returns how many were created."""
    from otklik.directory.models import Topic

    existing = set(Topic.objects.filter(municipality=municipality).values_list("name", flat=True))
    new = [Topic(municipality=municipality, group=g, name=n) for g, n in DEFAULT_TOPICS if n not in existing]
    Topic.objects.bulk_create(new)
    return len(new)
