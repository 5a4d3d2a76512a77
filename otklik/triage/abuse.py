"""Abuse detection for §22: obscenity, insults aimed at a person, threats.

Precision first: a complaint wrongly excluded from work is worse than a missed
insult, so every rule needs a strong signal, and every flag carries its evidence span
(offsets into the original text) for the specialist who confirms or overrides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import lexicon
from .text import NormalizedText, Token, _analyzer

OBSCENITY = "obscenity"
INSULT = "insult"
THREAT = "threat"
CATEGORY_LABELS = {OBSCENITY: "нецензурная брань", INSULT: "оскорбление", THREAT: "угроза"}

_OBSCENE = re.compile("^" + lexicon.OBSCENE_PREFIXES + "(?:" + "|".join(lexicon.OBSCENE_ROOTS) + ")")
_THREAT_PHRASES = re.compile("|".join(lexicon.THREAT_PHRASES), re.IGNORECASE)
# Canonical words an asterisk-masked word is compared with ("бл**ь", "х*й", "с*ка").
_MASKED_CANON = {
    OBSCENITY: (
        "хуй хуя хуе хуи хуйня хуево хуевый нахуй похуй охуеть охуел пизда пиздец пизды "
        "пиздеть спиздить блядь блять бля блядский ебать ебаный ебал заебал ебло уебок "
        "мудак пидор пидорас гандон"
    ).split(),
    INSULT: "сука суки сучка мразь тварь дебил урод".split(),
}
_INSULT_WINDOW = 5


@dataclass(slots=True)
class Evidence:
    category: str
    start: int
    end: int
    text: str

    def as_dict(self) -> dict:
        return {"category": self.category, "start": self.start, "end": self.end, "text": self.text}


@dataclass(slots=True)
class AbuseResult:
    categories: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def add(self, category: str, start: int, end: int, text: str) -> None:
        if category not in self.categories:
            self.categories.append(category)
        if not any(e.start == start and e.category == category for e in self.evidence):
            self.evidence.append(Evidence(category, start, end, text))

    def as_dict(self) -> dict:
        return {"categories": list(self.categories), "evidence": [e.as_dict() for e in self.evidence]}


@lru_cache(maxsize=100_000)
def is_obscene(norm: str) -> bool:
    """Whether a de-obfuscated word form is obscene (the allow-list wins)."""
    if norm in lexicon.OBSCENE_ALLOW or len(norm) < 3:
        return False
    if norm in lexicon.OBSCENE_LATIN:
        return True
    if "*" in norm:
        return _masked_category(norm) == OBSCENITY
    return bool(_OBSCENE.match(norm))


@lru_cache(maxsize=20_000)
def _masked_category(norm: str) -> str | None:
    letters = norm.replace("*", "")
    if len(letters) < 2 or not norm[0].isalpha():
        return None
    pattern = re.compile(re.escape(norm).replace(r"\*", "*").replace("*", "[а-я]?") + "$")
    for category, words in _MASKED_CANON.items():
        if any(pattern.match(w) for w in words):
            return category
    return None


@lru_cache(maxsize=20_000)
def _is_threat_verb(norm: str) -> bool:
    """A first-person (future/present) form of a violent verb: «убью», «сожжём»."""
    for parse in _analyzer().parse(norm):
        if parse.normal_form in lexicon.THREAT_VERBS and "1per" in parse.tag and "VERB" in parse.tag:
            return True
    return False


def _aimed(words: list[Token], i: int, weak: bool) -> bool:
    lo, hi = max(0, i - _INSULT_WINDOW), min(len(words), i + _INSULT_WINDOW + 1)
    near = {w.lemma for w in words[lo:hi]} | {w.norm for w in words[lo:hi]}
    if near & lexicon.SECOND_PERSON:
        return True
    if not weak and {w.lemma for w in words[max(0, i - 2) : i + 3]} & lexicon.THIRD_PERSON:
        return True
    if weak:
        return False
    return bool(near & lexicon.OFFICIAL_LEMMAS)


def _vocative(nt: NormalizedText, tok: Token, is_first: bool) -> bool:
    """«Уроды, когда уберёте?» — an insult that opens the message and addresses someone."""
    if not is_first:
        return False
    rest = nt.clean[tok.end : tok.end + 3].lstrip()
    return rest[:1] in {",", "!"}


def detect_abuse(nt: NormalizedText, allow: frozenset[str] = frozenset()) -> AbuseResult | None:
    """Abuse categories with evidence, or None when the message is clean.

    ``allow`` holds de-obfuscated words a municipality's specialists have overridden.
    """
    result = AbuseResult()
    words = [t for t in nt.tokens if t.is_word]
    original = nt.original
    for i, tok in enumerate(words):
        kind = _token_kind(tok.norm, tok.lemma)
        if not kind:
            continue
        if allow and (tok.norm in allow or tok.lemma in allow):
            continue
        span = (tok.start, tok.end, original[tok.start : tok.end])
        if kind & _OBSCENE_BIT:
            result.add(OBSCENITY, *span)
        if kind & _STRONG_BIT:
            result.add(INSULT, *span)
        elif kind & (_INSULT_BIT | _WEAK_BIT):
            weak = bool(kind & _WEAK_BIT)
            if _aimed(words, i, weak) or (not weak and _vocative(nt, tok, i == 0)):
                result.add(INSULT, *span)
        if kind & _THREAT_BIT and not (i > 0 and words[i - 1].norm == "не"):
            result.add(THREAT, *span)
    lowered = nt.clean.lower()
    if any(w in lowered for w in _THREAT_TRIGGERS):
        for m in _THREAT_PHRASES.finditer(lowered):
            result.add(THREAT, m.start(), m.end(), original[m.start() : m.end()])
    if not result.categories:
        return None
    result.evidence.sort(key=lambda e: e.start)
    return result


_OBSCENE_BIT, _STRONG_BIT, _INSULT_BIT, _WEAK_BIT, _THREAT_BIT = 1, 2, 4, 8, 16


@lru_cache(maxsize=200_000)
def _token_kind(norm: str, lemma: str) -> int:
    """What a word can be, as bits (0 for nearly every word); cached per word form."""
    kind = 0
    if is_obscene(norm):
        kind |= _OBSCENE_BIT
    if lemma in lexicon.SLUR_LEMMAS or lemma in lexicon.STRONG_INSULT_LEMMAS:
        kind |= _STRONG_BIT
    elif (
        lemma in lexicon.INSULT_LEMMAS
        or norm in lexicon.INSULT_LEMMAS
        or ("*" in norm and _masked_category(norm) == INSULT)
    ):
        kind |= _WEAK_BIT if lemma in lexicon.WEAK_INSULT_LEMMAS else _INSULT_BIT
    if (lemma in lexicon.THREAT_VERBS or norm[:3] in _THREAT_STEMS) and _is_threat_verb(norm):
        kind |= _THREAT_BIT
    return kind


# Cheap pre-filters so that the expensive checks run on a handful of words only.
_THREAT_STEMS = frozenset(v[:3] for v in lexicon.THREAT_VERBS) | {"убь", "сож", "под", "взо", "спа"}
_THREAT_TRIGGERS = (
    "труп",
    "конец",
    "жить",
    "хана",
    "кранты",
    "пиздец",
    "ноги",
    "руки",
    "голов",
    "башк",
    "бошк",
    "найд",
    "кишки",
    "сожгу",
    "спалю",
    "подожгу",
    "взорву",
)
