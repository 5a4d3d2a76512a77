"""A tiny labelled routing set (generated, deterministic) for round-trip tests."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

TEMPLATES = {
    "Дороги": [
        "яма на дороге у дома {n}",
        "разбит асфальт на улице {s}",
        "нет разметки на перекрёстке {s}",
        "выбоины на проезжей части {s}",
    ],
    "ЖКХ": [
        "в подъезде дома {n} не убирают",
        "течёт крыша дома {n} на {s}",
        "не работает лифт в доме {n}",
        "холодные батареи в квартире на {s}",
    ],
    "Водоканал": [
        "нет воды в доме {n}",
        "прорвало трубу водопровода на {s}",
        "засор канализации на {s}",
        "ржавая вода из крана в доме {n}",
    ],
}
STREETS = ["Ленина", "Мира", "Гагарина", "Садовой", "Октябрьской"]
DISTRICTS = ["Центр", "Шаумянский"]


def rows(count: int, offset: int = 0) -> list[dict[str, str]]:
    out = []
    for i in range(count):
        for label, templates in TEMPLATES.items():
            k = i + offset
            text = templates[k % len(templates)].format(n=k + 1, s=STREETS[k % len(STREETS)])
            out.append({"text": text, "org": label, "district": DISTRICTS[k % 2]})
    return out


def write_csv(path: Path, data: list[dict[str, str]], gz: bool = False) -> Path:
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
        writer = csv.DictWriter(fh, fieldnames=["text", "org", "district"])
        writer.writeheader()
        writer.writerows(data)
    return path
