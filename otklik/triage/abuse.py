"""Abuse detection for §22: obscenity, insults aimed at a person, threats.

Precision first: a complaint wrongly excluded from work is worse than a missed
insult, so every rule needs a strong signal, and every flag carries its evidence span
(offsets into the original text) for the specialist who confirms or overrides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import lexicon
from .text import NormalizedText, Token, _analyzer, lemmatize

OBSCENITY = "obscenity"
INSULT = "insult"
THREAT = "threat"
CATEGORY_LABELS = {OBSCENITY: "нецензурная брань", INSULT: "оскорбление", THREAT: "угроза"}

_OBSCENE = re.compile("^" + lexicon.OBSCENE_PREFIXES + "(?:" + "|".join(lexicon.OBSCENE_ROOTS) + ")")
_OBSCENE_INNER = re.compile(lexicon.OBSCENE_INNER)
_THREAT_PHRASES = re.compile("|".join(lexicon.THREAT_PHRASES), re.IGNORECASE)
# Canonical words a masked word is compared with ("бл**ь", "х*й", "с*ка", "х%й").
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
    if "-" in norm:
        return any(is_obscene(part) for part in norm.split("-") if part)
    return bool(_OBSCENE.match(norm) or _OBSCENE_INNER.search(norm))


@lru_cache(maxsize=20_000)
def _masked_category(norm: str) -> str | None:
    letters = norm.replace("*", "")
    # "х**", "б**" — a short masked stem: one letter is enough when two or more are masked.
    if not norm[0].isalpha() or len(letters) < 1 or (len(letters) < 2 and norm.count("*") < 2):
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


@lru_cache(maxsize=20_000)
def _is_second_person_verb(norm: str) -> bool:
    """«уберёшь», «заткнись» — a verb addressed to one reader.

    Plural imperatives («уберите», «примите меры») are how complaints address an
    administration, so they do not count."""
    parse = _analyzer().parse(norm)[0]
    tag = parse.tag
    return "VERB" in tag and ("2per" in tag or "impr" in tag) and "sing" in tag


@lru_cache(maxsize=20_000)
def _is_plural(norm: str) -> bool:
    parse = _analyzer().parse(norm)[0]
    return "plur" in parse.tag and ("NOUN" in parse.tag or "ADJF" in parse.tag)


@lru_cache(maxsize=20_000)
def _is_person_name(text: str) -> bool:
    """A capitalised first name, surname or patronymic («Иванов», «Путин»)."""
    if not text[:1].isupper() or not text[1:2].islower():
        return False
    parse = _analyzer().parse(text.lower())[0]
    return any(g in parse.tag for g in ("Surn", "Name", "Patr"))


def _aimed(words: list[Token], i: int, level: int, addressed: bool) -> bool:
    """Whether an insult word at ``i`` is aimed at a person or a group.

    ``level``: 0 an insult word, 1 a weak one (an ordinary meaning too).  ``addressed``:
    the message replies to a mention.  A weak word needs a second-person pronoun or the
    reply; an insult word also counts next to a second-person verb («успокойся»), an
    official, a named person (a public figure), «он/этот», or as a plural (an insult of
    a group).
    """
    if addressed:
        return True
    lo, hi = max(0, i - _INSULT_WINDOW), min(len(words), i + _INSULT_WINDOW + 1)
    window = words[lo:hi]
    near = {w.lemma for w in window} | {w.norm for w in window}
    if near & lexicon.SECOND_PERSON:
        return True
    if level:
        return False
    if any(_is_second_person_verb(w.norm) for w in window):
        return True
    close = words[max(0, i - 3) : i + 4]
    if {w.lemma for w in close} & lexicon.THIRD_PERSON:
        return True
    if near & lexicon.OFFICIAL_LEMMAS:
        return True
    if any(_is_person_name(w.text) for j, w in enumerate(close) if w is not words[i]):
        return True
    return _is_plural(words[i].norm)


def _vocative(nt: NormalizedText, tok: Token, is_first: bool) -> bool:
    """«Уроды, когда уберёте?» — an insult that opens the message and addresses someone."""
    if not is_first:
        return False
    rest = nt.clean[tok.end : tok.end + 3].lstrip()
    return rest[:1] in {",", "!"}


def _replies_to_mention(nt: NormalizedText) -> bool:
    """«[id1|Иван], ...» or «@ivan, ...»: the message opens with a mention and a comma."""
    if not nt.n_mentions:
        return False
    head = nt.clean[:200].lstrip()
    return head.startswith(",") and nt.clean[: len(nt.clean) - len(nt.clean.lstrip())] != ""


_SHORT_MESSAGE = 4  # words: «ну ты и дебил», «дебилы!» are aimed at whoever they answer


def detect_abuse(
    nt: NormalizedText, allow: frozenset[str] = frozenset(), *, use_layer: bool = True
) -> AbuseResult | None:
    """Abuse categories with evidence, or None when the message is clean.

    ``allow`` holds de-obfuscated words a municipality's specialists have overridden.
    ``use_layer``: let the linear layer (data/abuse_layer.tsv) turn insult words that the
    rules found not aimed at anyone into flags, each with its span; off to measure the
    rules alone.
    """
    result, words, candidates = rule_abuse(nt, allow)
    if candidates and use_layer and (layer := abuse_layer()) is not None:
        if layer.accepts(layer_features(nt, words, candidates)):
            for i in candidates:
                tok = words[i]
                result.add(INSULT, tok.start, tok.end, nt.original[tok.start : tok.end])
    if not result.categories:
        return None
    result.evidence.sort(key=lambda e: e.start)
    return result


def rule_abuse(nt: NormalizedText, allow: frozenset[str] = frozenset()) -> tuple[AbuseResult, list[Token], list[int]]:
    """The rules' flags, the message's words, and the layer's candidates.

    A candidate is the index (among the words) of an [insult] word the rules did not flag
    because nothing showed it aimed at anyone («очередной клоун», «тупой, как табурет»).
    [weak] words are never candidates: their ordinary uses («крысы бегают», «соседи-алкаши
    орут», «жопа, а не дорога») fill informal complaints, and a layer trained on forum
    comments flagged such hand-written complaints (see data/abuse_layer.tsv).
    """
    result = AbuseResult()
    words = [t for t in nt.tokens if t.is_word]
    candidates: list[int] = []
    original = nt.original
    addressed: bool | None = None
    short = len(words) <= _SHORT_MESSAGE
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
            if addressed is None:
                addressed = _replies_to_mention(nt)
            level = 1 if kind & _WEAK_BIT else 0
            if _aimed(words, i, level, addressed) or (not level and (short or _vocative(nt, tok, i == 0))):
                result.add(INSULT, *span)
            elif not level:
                candidates.append(i)
        if kind & _THREAT_BIT and not (i > 0 and words[i - 1].norm == "не"):
            result.add(THREAT, *span)
    lowered = nt.clean.lower().replace("ё", "е")
    if _THREAT_TRIGGER.search(lowered):
        for m in _THREAT_PHRASES.finditer(lowered):
            result.add(THREAT, m.start(), m.end(), original[m.start() : m.end()])
    return result, words, candidates


# --- The linear layer over candidates (§22, optional) --------------------------------
# Trained by otklik/triage/abuse_training.py; see data/abuse_layer.tsv for its source.
LAYER_PATH = Path(__file__).resolve().parent / "data" / "abuse_layer.tsv"


@dataclass(frozen=True, slots=True)
class AbuseLayer:
    """A logistic-regression score over lemma unigrams, bigrams and a few rule features."""

    weights: dict[str, float]
    bias: float
    threshold: float

    def score(self, features: list[str]) -> float:
        get = self.weights.get
        return self.bias + sum(get(f, 0.0) for f in features)

    def accepts(self, features: list[str]) -> bool:
        return self.score(features) >= self.threshold

    def dump(self) -> str:
        """The weights as the lines of the TSV file (without its comment header)."""
        lines = [f"=bias\t{self.bias:.4f}", f"=threshold\t{self.threshold:.4f}"]
        ranked = sorted(self.weights.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        lines += [f"{name}\t{weight:.4f}" for name, weight in ranked]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> AbuseLayer:
        weights: dict[str, float] = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            name, value = line.split("\t")
            weights[name] = float(value)
        return cls(weights, bias=weights.pop("=bias"), threshold=weights.pop("=threshold"))


@lru_cache(maxsize=1)
def abuse_layer() -> AbuseLayer | None:
    if not LAYER_PATH.exists():
        return None
    return AbuseLayer.parse(LAYER_PATH.read_text(encoding="utf-8"))


def layer_features(nt: NormalizedText, words: list[Token], candidates: list[int]) -> list[str]:
    """Lemma unigrams and bigrams; «=» marks the rule features (lemmas never hold «=»)."""
    lemmas = [w.lemma for w in words]
    features = lemmas + [f"{a} {b}" for a, b in zip(lemmas, lemmas[1:], strict=False)]
    features.append(f"=len{min(5, len(words).bit_length())}")
    if lexicon.SECOND_PERSON.intersection(lemmas):
        features.append("=second_person")
    if "!" in nt.clean:
        features.append("=exclamation")
    if candidates:
        features.append("=candidate")
    return list(dict.fromkeys(features))


_OBSCENE_BIT, _STRONG_BIT, _INSULT_BIT, _WEAK_BIT, _THREAT_BIT = 1, 2, 4, 8, 16


@lru_cache(maxsize=1)
def _word_classes() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(slur or strong, insult, weak, all) word forms and lemmas, hand-made + mined lists."""
    mined = lexicon.MINED_ABUSE

    def with_lemmas(words: frozenset[str]) -> frozenset[str]:
        lemmas = {lemmatize(w) for w in words if "-" not in w} - lexicon.LEMMA_COLLISIONS
        return frozenset(words) | lemmas

    strong = with_lemmas(
        lexicon.SLUR_LEMMAS
        | lexicon.STRONG_INSULT_LEMMAS
        | mined.get("slur", frozenset())
        | mined.get("strong", frozenset())
    )
    weak = with_lemmas(lexicon.WEAK_INSULT_LEMMAS | mined.get("weak", frozenset())) - strong
    insult = with_lemmas(lexicon.INSULT_LEMMAS | mined.get("insult", frozenset())) - strong - weak
    return strong, insult, weak, strong | insult | weak


_SLUR_STEM = re.compile(r"^(?:хохл(?!ом|ат|ит|ящ)|пиндос|пендос|русн[яи]|жидо|жидя|чуркобес|лахтобот|кремлебот)")


@lru_cache(maxsize=200_000)
def _token_kind(norm: str, lemma: str) -> int:
    """What a word can be, as bits (0 for nearly every word); cached per word form."""
    if "-" in norm and not norm.startswith("-"):
        kind = 0
        for part in norm.split("-"):
            if len(part) >= 3:
                kind |= _token_kind(part, lemmatize(part))
        return kind | _token_kind_single(norm, lemma)
    return _token_kind_single(norm, lemma)


def _token_kind_single(norm: str, lemma: str) -> int:
    kind = 0
    if is_obscene(norm):
        kind |= _OBSCENE_BIT
    strong, insult, weak, _ = _word_classes()
    if norm in lexicon.INSULT_FORM_ALLOW:
        pass
    elif lemma in strong or norm in strong or _SLUR_STEM.match(norm):
        kind |= _STRONG_BIT
    elif lemma in insult or norm in insult or ("*" in norm and _masked_category(norm) == INSULT):
        kind |= _INSULT_BIT
    elif lemma in weak or norm in weak:
        kind |= _WEAK_BIT
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
    "сдох",
    "подох",
    "издох",
    "сдыхай",
    "убей",
    # calls to kill and harm («надо расстреливать», «перестрелять бы», «тебе выбьют»):
    # the verbs, not «надо»/«бы», so that the phrase patterns run on few messages
    "убить",
    "убива",
    "расстрел",
    "перестрел",
    "пристрел",
    "прибить",
    "мочить",
    "зарез",
    "четверт",
    "повесить",
    "вешать",
    "удавить",
    "придушить",
    "закопать",
    "стенке",
    "на кол",
    "выломают",
    "выбьют",
    "переломают",
    "сломают",
    "оторвут",
    "отрежут",
    "проломят",
)
_THREAT_TRIGGER = re.compile("|".join(map(re.escape, _THREAT_TRIGGERS)))  # any of them, in one pass
