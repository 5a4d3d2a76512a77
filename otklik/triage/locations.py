"""Locations mentioned in a message: a per-municipality gazetteer plus address rules."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .text import NormalizedText, lemmatize

_ADDRESS = re.compile(
    r"\b(?:ул(?:ица|\.)?|пр(?:оспект|-т|\.)|пер(?:еулок|\.)|б(?:ульвар|-р)|ш(?:оссе|\.)|наб(?:ережная|\.)|"
    r"пл(?:ощадь|\.)|пос(?:[её]лок|\.)|п\.|с\.|село|д\.|деревня|х(?:утор|\.)|ст(?:аница|-ца)|мкр(?:н|\.)?|"
    r"микрорайон|снт)\s*([А-ЯЁ][\w-]+(?:\s[А-ЯЁ][\w-]+)?)(?:,?\s*(?:д\.|дом)?\s*(\d+[а-яА-Я]?(?:/\d+)?))?"
)


def extract_addresses(nt: NormalizedText, limit: int = 5) -> list[str]:
    """Street/settlement mentions by rule ("ул. Ленина, 5", "пос. Шаумянский")."""
    out: list[str] = []
    for m in _ADDRESS.finditer(nt.clean):
        text = m.group(0).strip().rstrip(",")
        if text not in out:
            out.append(text)
        if len(out) >= limit:
            break
    return out


class Gazetteer:
    """Place names (streets, villages, districts) an admin maps to an area label.

    Names are matched by lemmas, so «на Ленина», «улицы Ленина» and «Ленина» all find
    the entry «Ленина».  An entry may be several words long.
    """

    def __init__(self, entries: Mapping[str, str]):
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for name, area in entries.items():
            key = tuple(lemmatize(w.lower()) for w in re.findall(r"\w+", name))
            if key:
                self._by_first.setdefault(key[0], []).append((key, area))

    def areas(self, lemmas: Sequence[str]) -> list[str]:
        found: list[str] = []
        for i, lemma in enumerate(lemmas):
            for key, area in self._by_first.get(lemma, ()):
                if tuple(lemmas[i : i + len(key)]) == key and area not in found:
                    found.append(area)
        return found
