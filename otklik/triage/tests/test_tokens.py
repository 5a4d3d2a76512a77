"""The tokenizer cuts exactly as razdel does (it replaces razdel only for speed)."""

from pathlib import Path

import pytest
from razdel import tokenize as razdel_tokenize

from otklik.triage.tokens import tokenize
from otklik.triage.training import read_rows

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"

EDGE_CASES = [
    "",
    "   ",
    "Кто-то из-за дома 5-го подъезда — опять!",
    "слово -то и слово- то, а-",
    "1,5 км, 3.14, 1/2 ставки, 1\\2, 2021год, 12а",
    "Что?! Ну... :-) ;) =((( --- *** ?!…",
    "snake_case _x a__b 5_6",
    "xуй пи3дец бл**ь х.у.й б л я д ь еб@ть с*ка пи/дец бл..дь",
    "ΔP Δσ mβж №5 № 12 ‑–—− « » “ ” (скобки) [id123|Иван], @user",
    "Yahoo! yahoo!! YAHOO!",
    "e-mail: test@mail.ru https://vk.com/wall-1_2?x=1&y=2 #хэштег",
    "😀👍🏻 смайлы\u200dи\ufe0fсимволы\tтаб\nстрока",
    "ＡＢＣ full-width, ½ ¾, ™ ©, ½-дюймовый",
    "-",
    "--",
    "a-b-c-d",
    "т.е. т.к. и т.д. и т.п. ул.Ленина д.5 кв.12",
]


def razdel_cut(text):
    return [(t.start, t.stop, t.text) for t in razdel_tokenize(text)]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_it_cuts_edge_cases_as_razdel_does(text):
    assert tokenize(text) == razdel_cut(text)


def test_it_cuts_every_shared_message_as_razdel_does():
    spb = SHARED / "spb-our-city" / "appeals.csv.gz"
    toxic = SHARED / "toxic-2ch-pikabu" / "labeled.csv.gz"
    if not spb.exists() or not toxic.exists():
        pytest.skip(f"{SHARED} is absent (shared data not laid next to the repo)")
    texts = [r["text"] for r in read_rows(spb)][::3] + [r["comment"] for r in read_rows(toxic)]
    differ = [t for t in texts if tokenize(t) != razdel_cut(t)]
    assert not differ, differ[:3]
