"""Word tokens of a text, exactly as razdel's ``tokenize`` cuts them, at a quarter of the cost.

razdel (the natasha project's segmenter) finds atoms with one regular expression — runs
of Cyrillic letters, runs of Latin letters, runs of digits, single punctuation marks,
any other character — and then joins neighbouring atoms that touch (no whitespace
between them) by seven small rules: ``кто-то``, ``a_b``, ``1,5``, ``1/2``, ``?!``/``...``/
``:-)``, letters next to other symbols (``Δσ``), ``Yahoo!``.  Its implementation builds
an object per atom and per gap; triage normalises every message, and those objects
were most of its cost.  This module applies the same atoms (razdel's own regular
expression) and the same rules over plain tuples; ``tests/test_tokens.py`` holds it
equal to razdel on edge cases and, where the shared data is present, on every message.
"""

from __future__ import annotations

from razdel.segmenters.punct import DASHES, ENDINGS
from razdel.segmenters.tokenize import ATOM, SMILE

_PUNCT, _INT, _OTHER = "PUNCT", "INT", "OTHER"
_LETTERS_OR_OTHER = frozenset({"OTHER", "RU", "LAT"})

Atom = tuple[int, int, str, str]  # start, stop, type, text


def _around(atoms: list[Atom], i: int, marks: str) -> tuple[Atom, Atom] | None:
    """razdel's «2112» window: the atoms on both sides of a mark just before or at ``i``."""
    if atoms[i - 1][3] in marks:  # «cho-|to»
        return (atoms[i - 2], atoms[i]) if i >= 2 else None
    if atoms[i][3] in marks:  # «cho|-to»
        return (atoms[i - 1], atoms[i + 1]) if i + 1 < len(atoms) else None
    return None


def _joins(atoms: list[Atom], i: int, buffer: str) -> bool:
    """Whether atom ``i`` continues the token before it (the atoms touch)."""
    left, right = atoms[i - 1], atoms[i]
    lt, rt = left[2], right[2]
    for marks, need_int in ((DASHES, False), ("_", False), (".,", True), ("/\\", True)):
        pair = _around(atoms, i, marks)
        if pair is None:
            continue
        a, b = pair[0][2], pair[1][2]
        if (a == _INT and b == _INT) if need_int else (a != _PUNCT and b != _PUNCT):
            return True
    if lt == _PUNCT and rt == _PUNCT:
        l_text, r_text = left[3], right[3]
        if SMILE.match(buffer + r_text) or (l_text in ENDINGS and r_text in ENDINGS) or l_text + r_text in ("--", "**"):
            return True
    if (lt == _OTHER and rt in _LETTERS_OR_OTHER) or (lt in _LETTERS_OR_OTHER and rt == _OTHER):
        return True
    return left[3].lower() == "yahoo" and right[3] == "!"


def tokenize(text: str) -> list[tuple[int, int, str]]:
    """(start, stop, text) of every token, as ``razdel.tokenize`` gives them."""
    atoms: list[Atom] = [(m.start(), m.end(), m.lastgroup or "", m.group()) for m in ATOM.finditer(text)]
    if not atoms:
        return []
    out: list[tuple[int, int, str]] = []
    start, stop, buffer = atoms[0][0], atoms[0][1], atoms[0][3]
    for i in range(1, len(atoms)):
        a_start, a_stop, _, a_text = atoms[i]
        if a_start == stop and _joins(atoms, i, buffer):
            buffer += a_text
            stop = a_stop
        else:
            out.append((start, stop, buffer))
            start, stop, buffer = a_start, a_stop, a_text
    out.append((start, stop, buffer))
    return out
