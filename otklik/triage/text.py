"""Russian text normalisation for triage (pure Python, no Django).

``normalize(text)`` returns the tokens of a message with their offsets in the
*original* text, a de-obfuscated lower-case form and a pymorphy3 lemma.  Noise is
blanked out rather than removed (VK mentions, URLs, HTML, emoji become spaces of the
same length), so every offset a classifier reports — e.g. the evidence span of an
abusive word — points into the text the specialist sees.

Obfuscation handled here (it matters for abuse, and costs nothing for the rest):
latin look-alikes and digits inside Cyrillic words (``xуй``, ``пи3дец``, ``еб@ть``),
letters split by separators (``х.у.й``, ``б л я д ь``, ``х-у-й``), runs of a repeated
letter (``ссссуука``), asterisks (``бл**ь`` keeps ``*`` as a wildcard for the abuse
lexicon).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import lru_cache

from razdel import tokenize as razdel_tokenize

from .tokens import tokenize

# Texts longer than this are analysed by their beginning only: a 1 MB paste must not
# stall the pipeline, and the first 20,000 characters say what the message is about.
MAX_ANALYSED_CHARS = 20_000

_VK_MENTION = re.compile(r"\[(?:id|club|public|event)\d+\|[^\]\n]{0,100}\]")
_AT_MENTION = re.compile(r"(?<![\w.])@[A-Za-z0-9_.]{3,64}")
_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:ru|рф|com|org|net|su|me|io|info|online|site|club)/\S*",
    re.IGNORECASE,
)
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_HTML_ENTITY = re.compile(r"&(?:#\d{1,6}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff"
    "\U00002300-\U000023ff\U00002b00-\U00002bff\ufe0f\u200d\u20e3]+"
)

_NOISE_HINT = re.compile(r"[\[@<&]|http|www|\.\w{2,6}/|" + _EMOJI.pattern)

_CYR = re.compile(r"[а-яё]")
_LAT = re.compile(r"[a-z]")
_REPEATS = re.compile(r"(\w)\1{2,}")

# Latin and digit look-alikes of Cyrillic letters, applied only to tokens that also
# contain Cyrillic letters (so "2021", "iPhone" or "5G" stay what they are).
_LOOKALIKES = str.maketrans(
    {
        "a": "а",
        "b": "б",
        "l": "л",
        "s": "с",
        "d": "д",
        "z": "з",
        "i": "и",
        "c": "с",
        "e": "е",
        "k": "к",
        "m": "м",
        "h": "н",
        "o": "о",
        "p": "р",
        "t": "т",
        "x": "х",
        "y": "у",
        "u": "и",
        "n": "п",
        "r": "г",
        "3": "з",
        "0": "о",
        "6": "б",
        "4": "ч",
        "@": "а",
        "$": "с",
        "ё": "е",
    }
)
# Fully latin tokens that are transliterated Russian obscenity ("xyu", "bljad") are
# caught by the abuse lexicon's own latin list; normalisation does not guess.

_GLUE_CHARS = frozenset("*@$%#")
# Pieces that mask letters inside a word when short pieces stand on both sides
# ("пи/дец", "бл..дь"); a "." or "/" between longer words is ordinary punctuation.
_MASK_PIECES = frozenset({"/", "..", "..."})
_MASKS = re.compile(r"\.{2,}|[%#/]")
_SEPARATORS = frozenset(".-_")
_SINGLE_WORDS = frozenset("аивкосуя")


@dataclass(slots=True)
class Token:
    text: str  # as written (from the original text)
    start: int
    end: int
    norm: str  # lower case, de-obfuscated; may contain "*" wildcards
    lemma: str
    is_word: bool


@dataclass(slots=True)
class NormalizedText:
    original: str
    clean: str  # same length as the analysed part of ``original``; noise blanked out
    tokens: list[Token]  # words only (punctuation and bare numbers are dropped)
    n_urls: int = 0
    n_emoji: int = 0
    n_mentions: int = 0
    truncated: bool = False
    _lemmas: list[str] | None = field(default=None, repr=False)
    _first: dict[str, int] | None = field(default=None, repr=False)
    _written: dict[tuple[str, int], str | None] | None = field(default=None, repr=False)

    def first_position(self, key: str) -> int | None:
        """Index (among the words) of the first word with this lemma or form."""
        if self._first is None:
            first: dict[str, int] = {}
            for i, t in enumerate(self.tokens):
                first.setdefault(t.lemma, i)
                first.setdefault(t.norm, i)
            self._first = first
        return self._first.get(key)

    @property
    def words(self) -> list[Token]:
        return [t for t in self.tokens if t.is_word]

    @property
    def lemmas(self) -> list[str]:
        if self._lemmas is None:
            self._lemmas = [t.lemma for t in self.tokens if t.is_word]
        return self._lemmas


_morph = None


def _analyzer():  # type: ignore[no-untyped-def]
    global _morph
    if _morph is None:
        import pymorphy3

        _morph = pymorphy3.MorphAnalyzer()
    return _morph


@lru_cache(maxsize=200_000)
def lemmatize(word: str) -> str:
    """The most probable normal form of a lower-case word (cached).

    Where pymorphy3 finds several normal forms equally probable («ямы»: «ям» or «яма»), the
    one the triage lexicons know wins: complaints are about pits, not coaching inns."""
    if not word or not _CYR.search(word) or "*" in word:
        return word
    parses = _analyzer().parse(word)
    lemma = parses[0].normal_form
    if len(parses) > 1 and parses[1].score >= parses[0].score:
        known = _lexicon_words()
        lemma = next((p.normal_form for p in parses if p.score >= parses[0].score and p.normal_form in known), lemma)
    return lemma.replace("ё", "е")


@lru_cache(maxsize=1)
def _lexicon_words() -> frozenset[str]:
    """Words in the dictionary form that the topic, relevance and significance lexicons use."""
    from . import lexicon

    text = " ".join(
        [
            *lexicon.TOPIC_KEYWORDS.values(),
            *lexicon.PROBLEM_LEMMAS,
            *lexicon.REQUEST_LEMMAS,
        ]
    )
    return frozenset(w for w in re.split(r"[\s,_]+", text.lower()) if w)


@lru_cache(maxsize=200_000)
def deobfuscate(word: str) -> str:
    """Lower-case, de-obfuscated form of one token (see the module docstring)."""
    w = word.lower()
    if any(ch in w for ch in "%#/") or ".." in w:
        w = _MASKS.sub("*", w)
    if _CYR.search(w) and (_LAT.search(w) or any(ch in w for ch in "0346@$")):
        w = w.translate(_LOOKALIKES)
    else:
        w = w.replace("ё", "е")
    if any(ch in w for ch in "-._"):
        parts = re.split(r"[-._]+", w)
        if len(parts) >= 3 and all(len(p) <= 1 for p in parts if p):
            w = "".join(parts)
    if _REPEATS.search(w):
        w = _REPEATS.sub(r"\1", w)
    return w


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        chars[i] = " "


def clean_text(text: str) -> tuple[str, int, int, int]:
    """Blank out mentions, URLs, HTML and emoji, keeping every offset.

    Returns (clean, n_urls, n_emoji, n_mentions).
    """
    if not _NOISE_HINT.search(text):
        return text, 0, 0, 0
    counts = [0, 0, 0]
    chars = list(text)
    for pattern, slot in ((_VK_MENTION, 2), (_AT_MENTION, 2), (_URL, 0), (_HTML_TAG, None), (_EMOJI, 1)):
        for m in pattern.finditer(text):
            if slot is not None:
                counts[slot] += 1
            _blank(chars, m.start(), m.end())
    if "&" in text:
        for m in _HTML_ENTITY.finditer(text):
            value = html.unescape(m.group(0))
            if len(value) == 1:
                chars[m.start()] = value
                _blank(chars, m.start() + 1, m.end())
    return "".join(chars), counts[0], counts[1], counts[2]


_LETTER = re.compile(r"[^\W\d_]")
# Signs that a text may contain an obfuscated word worth re-joining (cheap pre-check).
_OBFUSCATION_HINT = re.compile(
    r"[а-яёА-ЯЁ][a-zA-Z0346@$*%#]|[a-zA-Z0346@$*%#][а-яёА-ЯЁ]|[а-яёА-ЯЁ](?:/|\.\.+)[а-яёА-ЯЁ]"
    r"|(?<!\w)\w[.\-_ ]\w[.\-_ ]\w(?!\w)"
)


def _is_wordish(s: str) -> bool:
    return s.isalpha() or _LETTER.search(s) is not None


def _merge_obfuscated(raw: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Join razdel pieces that form one obfuscated word.

    Adjacent pieces without whitespace between them are joined when the join carries
    obfuscation (``*``/``@``/``$``, a digit or latin letter inside a Cyrillic word, or
    single letters split by dots).  Runs of at least three single letters separated by
    single spaces (``б л я``) are joined too.
    """
    out: list[tuple[int, int, str]] = []
    i = 0
    n = len(raw)
    while i < n:
        start, end, text = raw[i]
        j = i
        # Glue adjacent pieces with no gap.
        while j + 1 < n and raw[j + 1][0] == raw[j][1]:
            nxt = raw[j + 1][2]
            if not (
                _is_wordish(nxt)
                or nxt[0] in _GLUE_CHARS
                or nxt.isdigit()
                or nxt in {".", "-", "_"}
                or nxt in _MASK_PIECES
            ):
                break
            j += 1
        if j > i:
            joined = "".join(p[2] for p in raw[i : j + 1]).rstrip(".-_")
            stripped_end = raw[i][0] + len(joined)
            pieces = [p[2] for p in raw[i : j + 1]]
            has_glue = any(p[0] in _GLUE_CHARS for p in pieces)
            letters = [p for p in pieces if _is_wordish(p)]
            if any(p in _MASK_PIECES for p in pieces):
                # "пи/дец", "бл..дь": short Cyrillic pieces around the mask only.
                sizes = [len(p) for p in letters]
                has_glue = (
                    len(letters) >= 2
                    and min(sizes) <= 2
                    and max(sizes) <= 4
                    and all(_CYR.search(p.lower()) for p in letters)
                )
                if not has_glue:
                    out.append((start, end, text))
                    i += 1
                    continue
            dotted_singles = len(letters) >= 3 and all(len(p) == 1 for p in letters)
            mixed = bool(_CYR.search(joined.lower())) and (
                bool(_LAT.search(joined.lower())) or any(p.isdigit() for p in pieces[1:])
            )
            if letters and (has_glue or dotted_singles or mixed):
                out.append((start, stripped_end, joined))
                i = j + 1
                continue
        out.append((start, end, text))
        i += 1
    # Spaced single letters: "б л я д ь".
    merged: list[tuple[int, int, str]] = []
    k = 0
    while k < len(out):
        s, e, t = out[k]
        if len(t) == 1 and t.isalpha():
            m = k
            while (
                m + 1 < len(out)
                and len(out[m + 1][2]) == 1
                and out[m + 1][2].isalpha()
                and out[m + 1][0] == out[m][1] + 1
            ):
                m += 1
            letters = [out[x][2] for x in range(k, m + 1)]
            if len(letters) >= 3 and any(ch.lower() not in _SINGLE_WORDS for ch in letters):
                merged.append((s, out[m][1], "".join(letters)))
                k = m + 1
                continue
        merged.append((s, e, t))
        k += 1
    return merged


# piece as written -> (norm, lemma, is_word); bounded, cleared when full.
_PIECES: dict[str, tuple[str, str, bool]] = {}
_PIECES_MAX = 300_000


def _analyse_piece(piece: str) -> tuple[str, str, bool]:
    if _is_wordish(piece):
        norm = deobfuscate(piece)
        known = (norm, lemmatize(norm), True)
    else:
        known = (piece, piece, False)
    if len(_PIECES) >= _PIECES_MAX:
        _PIECES.clear()
    _PIECES[piece] = known
    return known


def normalize(text: str | None) -> NormalizedText:
    """Tokens with offsets, de-obfuscated forms and lemmas of a message."""
    original = text or ""
    analysed = original[:MAX_ANALYSED_CHARS]
    clean, n_urls, n_emoji, n_mentions = clean_text(analysed)
    raw = tokenize(clean)
    if _OBFUSCATION_HINT.search(clean):
        raw = _merge_obfuscated(raw)
    tokens: list[Token] = []
    cache = _PIECES
    for start, end, piece in raw:
        known = cache.get(piece)
        if known is None:
            known = _analyse_piece(piece)
        if known[2]:  # punctuation and numbers are not kept as tokens
            tokens.append(Token(piece, start, end, known[0], known[1], True))
    return NormalizedText(
        original=original,
        clean=clean,
        tokens=tokens,
        n_urls=n_urls,
        n_emoji=n_emoji,
        n_mentions=n_mentions,
        truncated=len(original) > MAX_ANALYSED_CHARS,
    )


def lemmas_only(text: str) -> list[str]:
    """Plain lemmatisation (razdel + cached pymorphy3): the speed benchmark's peer."""
    return [lemmatize(t.text.lower()) for t in razdel_tokenize(text) if _is_wordish(t.text)]


# Words that say little alone («нет», «месяц», «опять»): a reason shows them with a neighbour.
_NEEDS_NEXT = frozenset("нет не отсутствовать отсутствие нельзя невозможно снова опять".split())
_NEEDS_PREV = frozenset("месяц неделя год день".split())


def as_written(nt: NormalizedText, key: str, *, limit: int = 40) -> str | None:
    """The citizen's own words for a lemma or a lemma bigram ("a b" or "a_b").

    «не_работать» becomes «не работает», «нет» becomes «нет воды», «месяц» becomes
    «третий месяц»: the span of the original text, so the reason reads as written.
    Kept per message: the three suggestions' reasons share most of their words.
    """
    if nt._written is None:
        nt._written = {}
    memo = nt._written
    if (key, limit) not in memo:
        memo[(key, limit)] = _as_written(nt, key, limit)
    return memo[(key, limit)]


def _as_written(nt: NormalizedText, key: str, limit: int) -> str | None:
    parts = key.replace("_", " ").split()
    if not parts:
        return None
    start = nt.first_position(parts[0])
    if start is None:
        return None
    words = nt.tokens  # words only: normalize() keeps no punctuation tokens
    n = len(parts)
    for i in range(start, len(words) - n + 1):
        if n > 1 and not all(words[i + j].lemma == p or words[i + j].norm == p for j, p in enumerate(parts)):
            continue
        if n == 1 and words[i].lemma != parts[0] and words[i].norm != parts[0]:
            continue
        lemmas = nt.lemmas
        first, last = i, i + n - 1
        if n == 1 and parts[0] in _NEEDS_NEXT and last + 1 < len(words):
            last += 1
            # «нет горячей воды»: an adjective takes its noun along.
            if last + 1 < len(words) and lemmas[last].endswith(("ый", "ий", "ой")):
                last += 1
        elif n == 1 and parts[0] in _NEEDS_PREV and first > 0:
            first -= 1
        text = nt.original[words[first].start : words[last].end]
        text = " ".join(text.split())
        return text if len(text) <= limit else text[:limit].rstrip() + "…"
    return None


def quoted(nt: NormalizedText, keys: list[str] | tuple[str, ...], *, limit: int = 3) -> str:
    """«a», «b» — up to ``limit`` keys as the citizen wrote them (duplicates dropped)."""
    shown_all: list[str] = []
    for key in keys:
        shown = as_written(nt, key) or key.replace("_", " ")
        low = shown.lower()
        if any(low in s.lower() for s in shown_all):
            continue  # «воды» inside «горячей воды»
        shown_all = [s for s in shown_all if s.lower() not in low]
        shown_all.append(shown)
    return ", ".join(f"«{s}»" for s in shown_all[:limit])
