"""Locations mentioned in a message: a per-municipality gazetteer plus address rules."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .text import NormalizedText, lemmatize

# Kinds of place, abbreviated or in full and in any case form («на улице», «в станице»).
_KIND = (
    r"(?i:ул(?:иц[аеуыи]й?|\.|\b)|пр(?:оспект[аеу]?|-т|\.)|пер(?:еул(?:ок|ке|ка|ку)|\.)|б(?:ульвар[аеу]?|-р)|"
    r"шоссе|наб(?:ережн(?:ая|ой|ую)|\.)|пл(?:ощад(?:ь|и|ью)|\.)|проезд[аеу]?|туп(?:ик[аеу]?|\.)|"
    r"пос(?:[её]л(?:ок|ке|ка|ку)|\.)|п\.|с\.|сел(?:о|е|а|у)|д\.|дер(?:евн[яеиюй]|\.)|х(?:утор[аеу]?|\.)|"
    r"ст(?:аниц[аеуы]|-ца|\.)|мкр(?:н|\.)?|микрорайон[аеу]?|снт|тер\.)"
)
_NAME = r"(?:\d{1,2}-?(?:го|й|я|е)?\s)?[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)?(?:\s[А-ЯЁ][а-яё]+)?"
_HOUSE = r"(?:,?\s*(?:(?i:д\.|дом[аеу]?|д)\s*)?(\d{1,4}(?:[а-яА-Я](?![а-яА-Я]))?(?:/\d{1,4})?))"
_ADDRESS = re.compile(rf"(?<![\w.-])({_KIND})\s*({_NAME}){_HOUSE}?")
# «на Калинина 45», «у Ленина, 12»: a street without its kind, with a house number.
_BARE = re.compile(rf"(?<![\w-])(?i:на|по|у|около|возле|напротив)\s+([А-ЯЁ][а-яё]+){_HOUSE}(?![\d.,]?\d)")


@dataclass(slots=True, frozen=True)
class Address:
    text: str  # as written
    name: str  # the place name's lemmas («ленин», «незлобный»)
    house: str = ""
    written_name: str = ""  # the name as written («Ленина»)

    @property
    def key(self) -> str:
        return f"{self.name} {self.house}".strip()


def find_addresses(nt: NormalizedText, limit: int = 5) -> list[Address]:
    """Streets, settlements and microdistricts named in a message, with house numbers."""
    out: list[Address] = []
    text = nt.clean
    spans: list[tuple[int, int]] = []
    for pattern, name_group in ((_ADDRESS, 2), (_BARE, 1)):
        for m in pattern.finditer(text):
            if any(a <= m.start() < b for a, b in spans):
                continue
            name = m.group(name_group)
            lemmas = " ".join(lemmatize(w.lower()) for w in re.findall(r"[А-ЯЁа-яё]+|\d+", name))
            house = (m.group(name_group + 1) or "").replace(" ", "").lower()
            shown = " ".join(m.group(0).split()).rstrip(",")
            if pattern is _BARE:
                shown = shown.split(None, 1)[1]
            address = Address(shown, lemmas, house, name)
            spans.append((m.start(), m.end()))
            if all(a.key != address.key for a in out):
                out.append(address)
    out.sort(key=lambda a: text.find(a.text.split()[0]))
    return out[:limit]


def extract_addresses(nt: NormalizedText, limit: int = 5) -> list[str]:
    """Street/settlement mentions by rule («ул. Ленина, д. 5», «на улице Ленина 12», «ст. Незлобная»)."""
    return [a.text for a in find_addresses(nt, limit)]


# Lower-case kind words in a gazetteer name («улица Калинина», «ст. Незлобная») are not
# part of the name: the message may say «на Калинина 45» or «в станице Незлобной».
KIND_WORDS = frozenset(
    "ул улица пр проспект пр-т пер переулок б-р бульвар шоссе наб набережная пл площадь проезд тупик "
    "пос поселок посёлок п с село д деревня х хутор ст станица ст-ца мкр мкрн микрорайон снт тер г город".split()
)


def place_key(name: str) -> tuple[str, ...]:
    """Lemmas of a place name without its lower-case kind words («улица Калинина» -> калинин)."""
    words = re.findall(r"[\w-]+", name)
    kept = [w for w in words if not (w.islower() and w.strip("-") in KIND_WORDS)] or words
    return tuple(lemmatize(w.lower()) for w in kept)


class Gazetteer:
    """Place names (streets, villages, districts) an admin maps to an area label.

    Names are matched by lemmas, so «на Ленина», «улицы Ленина» and «Ленина» all find
    the entry «Ленина».  An entry may be several words long.
    """

    def __init__(self, entries: Mapping[str, str]):
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for name, area in entries.items():
            key = place_key(name)
            if key:
                self._by_first.setdefault(key[0], []).append((key, area))

    def areas(self, lemmas: Sequence[str]) -> list[str]:
        found: list[str] = []
        for i, lemma in enumerate(lemmas):
            for key, area in self._by_first.get(lemma, ()):
                if tuple(lemmas[i : i + len(key)]) == key and area not in found:
                    found.append(area)
        return found
