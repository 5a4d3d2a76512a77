"""Routing suggestions: a linear text model, and a keyword router for the cold start.

Pure Python + numpy/scikit-learn, no Django.  Features are the message's lemmas and
lemma bigrams, the location(s) it mentions or comes from (``@loc:``), the crossing of
location and lemma (the same complaint goes to a different district's service), and
optional extras such as the official account (``@acc:``).  A portal's own category or
reason columns are labels assigned after the fact and are never features.

Character n-grams (``char_wb`` 2–5 over the cleaned lower-case text, ``#c:`` features)
sit beside the lemma n-grams when a model is trained with ``texts``; the model adds
them itself at prediction from the text it is given, so training and inference agree.
They form a block of their own: every occurrence counts (``idf`` × count) and the block
is divided by the root of the sum of its occurrences' squared ``idf``.  That makes a
word's contribution a constant — the sum of its n-grams' weighted rows — which the model
works out once per word form and caches, so the n-grams cost a dictionary look-up per
word at prediction.  The lemma block (lemmas, bigrams, places, numbers, extras) keeps
sublinear tf and its own L2 norm.
Numbers that matter are kept as «word number» features («маршрут 45», «дом 12»).

The regularisation ``C`` may be chosen by time-ordered cross-validation on the
training rows (``c=None``); recent rows may weigh more (``half_life_days``).

Inference does not go through scikit-learn: a prediction is a few dictionary look-ups
and a sum of rows of the weight matrix, so one message costs microseconds.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .topics import _parse_keywords

_MASKED = re.compile(r"^x+$")  # personal data masked as XXXX by portals
FORMAT_VERSION = 2  # 2: character n-grams as their own block (see above)
C_GRID = (0.05, 0.1, 0.25, 0.5)
_CHAR_CLEAN = re.compile(r"x{2,}|[^0-9a-zа-я]+")
_NUMBERED = re.compile(r"(?<![а-я])([а-я]{3,})\.?\s*(?:№\s*)?(\d{1,4}[а-я]?)(?!\d)")
_DIGIT = re.compile(r"\d")
CHAR_PREFIX = "#c:"
WORD_CACHE_SIZE = 100_000  # word forms whose character n-gram sums a model keeps


def char_words(text: str) -> list[str]:
    """The words character n-grams are taken from (lower case, letters and digits)."""
    return _CHAR_CLEAN.sub(" ", text.lower().replace("ё", "е")).split()


def word_grams(word: str, lo: int = 2, hi: int = 5) -> list[str]:
    """``char_wb`` n-grams of one word padded with a space, as ``#c:`` features."""
    w = f" {word} "
    n_w = len(w)
    return [CHAR_PREFIX + w[i : i + n] for n in range(lo, min(hi, n_w) + 1) for i in range(n_w - n + 1)]


def char_features(text: str) -> list[str]:
    """``char_wb`` 2–5 n-grams of the cleaned lower-case text (words padded with a space)."""
    out: list[str] = []
    for word in char_words(text):
        out.extend(word_grams(word))
    return out


def number_features(text: str) -> list[str]:
    """«маршрут 45», «дом 12», «школа 3»: a word and the number after it."""
    if not _DIGIT.search(text):
        return []
    from .text import lemmatize

    return [f"{lemmatize(w)} {n}" for w, n in _NUMBERED.findall(text.lower().replace("ё", "е"))]


class Suggestion:
    """One suggested label with its confidence; ``reasons`` (the features that drove it)
    are worked out on first access, so a caller that only needs confidences (e.g.
    ``triage_run``) does not pay for them."""

    __slots__ = ("label", "confidence", "_reasons", "_explain")

    def __init__(
        self,
        label: str,
        confidence: float,
        reasons: list[str] | None = None,
        explain: Callable[[], list[str]] | None = None,
    ):
        self.label = label
        self.confidence = confidence
        self._reasons = reasons
        self._explain = explain

    @property
    def reasons(self) -> list[str]:
        if self._reasons is None:
            self._reasons = self._explain() if self._explain else []
            self._explain = None
        return self._reasons

    def __repr__(self) -> str:
        return f"Suggestion({self.label!r}, {self.confidence})"

    def as_dict(self) -> dict:
        return {"organization": self.label, "confidence": self.confidence, "reasons": list(self.reasons)}


def _words(lemmas: Iterable[str]) -> list[str]:
    return [w for w in lemmas if len(w) > 1 and not w.isdigit() and not _MASKED.match(w)]


def build_features(lemmas: Sequence[str], locations: Sequence[str] = (), extras: Sequence[str] = ()) -> list[str]:
    """Feature strings of one message (see the module docstring)."""
    words = _words(lemmas)
    feats = list(words)
    feats += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for loc in locations:
        if not loc:
            continue
        tag = f"@loc:{loc.lower()}"
        feats.append(tag)
        feats += [f"{tag}|{w}" for w in words]
    feats += [e for e in extras if e]
    return feats


def describe_feature(feature: str) -> str:
    """A feature as a person reads it."""
    if feature.startswith("@loc:"):
        loc, _, word = feature[5:].partition("|")
        return f"{word} + {loc}" if word else f"место: {loc}"
    if feature.startswith("@acc:"):
        return f"аккаунт: {feature[5:]}"
    if feature.startswith("@topic:"):
        return f"тема: {feature[7:]}"
    return feature


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores * temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class LinearModel:
    """A tf-idf + linear SVM classifier over feature strings, with its own fast inference."""

    def __init__(
        self,
        vocab: dict[str, int],
        idf: np.ndarray,
        coef_t: np.ndarray,
        intercept: np.ndarray,
        classes: list[str],
        *,
        temperature: float = 5.0,
        meta: dict | None = None,
    ):
        self.vocab = vocab
        self.idf = idf.astype(np.float32)
        self._idf_list: list[float] = self.idf.tolist()
        self.coef_t = np.ascontiguousarray(coef_t, dtype=np.float32)  # (n_features, n_classes)
        self.intercept = intercept.astype(np.float32)
        self.classes = classes
        self.temperature = temperature
        self.meta = meta or {}
        self.char_ngrams = bool(self.meta.get("char_ngrams"))
        # Prediction looks lemma features up in a dictionary of their own: a third the size
        # of the whole vocabulary, it stays in the processor's cache between messages.
        self._lemma_vocab = (
            {f: i for f, i in vocab.items() if not f.startswith(CHAR_PREFIX)}
            if any(f.startswith(CHAR_PREFIX) for f in vocab)
            else vocab
        )
        # Character n-grams per word form: row r of _word_sums is Σ idf·coef of the n-grams
        # of the form that _word_rows maps to r, with their Σ idf² in the last column.
        self._word_rows: dict[str, int] = {}
        self._word_sums = np.zeros((0, len(classes) + 1), np.float32)
        self._word_lock = threading.Lock()  # one model serves the worker's threads
        self._names: list[str] | None = None

    # -- training ----------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        docs: Sequence[list[str]],
        labels: Sequence[str],
        *,
        min_df: int = 2,
        c: float | None = 0.25,
        calibrate: bool = True,
        meta: dict | None = None,
        texts: Sequence[str] | None = None,
        ages_days: Sequence[float] | None = None,
        half_life_days: float | None = None,
        c_grid: Sequence[float] = C_GRID,
        cv_folds: int = 2,
        choose_features: bool = False,
    ) -> LinearModel:
        """Train on feature lists (``build_features``) in time order.

        ``texts`` (the messages) switch on character n-grams and number features.
        ``c=None`` chooses the regularisation by time-ordered cross-validation on these
        rows only (each fold trains on the rows before it; scored by the mean of top-1 and
        top-3 accuracy); with ``choose_features`` the same CV also decides whether the
        character n-grams stay (they must beat the lemma n-grams alone).  ``ages_days`` with
        ``half_life_days`` weigh recent rows more (a rolling window without a cliff).
        With ``calibrate`` the softmax temperature of the confidences is chosen on the
        last 10% of the rows (a model trained on the first 90%), then the model is
        refitted on everything.
        """
        if len(set(labels)) < 2:
            raise ValueError("нужно хотя бы два разных значения метки для обучения")
        weights = None
        if ages_days is not None and half_life_days:
            weights = [0.5 ** (max(a, 0.0) / half_life_days) for a in ages_days]
        n = len(docs)
        cv: dict[str, float] = {}
        chars = texts is not None
        if chars:
            assert texts is not None
            with_chars = [[*d, *number_features(t), *char_features(t)] for d, t in zip(docs, texts, strict=True)]
            if c is None and choose_features:
                # Character n-grams stay only where they beat the lemma n-grams in CV.
                c_words, cv_words = cls._choose_c(docs, labels, weights, min_df, c_grid, cv_folds)
                c_chars, cv_chars = cls._choose_c(with_chars, labels, weights, min_df, c_grid, cv_folds)
                chars = max(cv_chars.values(), default=0.0) > max(cv_words.values(), default=0.0)
                c = c_chars if chars else c_words
                cv = {
                    **{f"words C={k}": v for k, v in cv_words.items()},
                    **{f"+chars C={k}": v for k, v in cv_chars.items()},
                }
            if chars:
                docs = with_chars
        if c is None:
            c, cv = cls._choose_c(docs, labels, weights, min_df, c_grid, cv_folds)
        temperature = 5.0
        if calibrate and n >= 50:
            cut = int(n * 0.9)
            if len(set(labels[:cut])) >= 2:
                probe = cls._fit_plain(docs[:cut], labels[:cut], min_df, c, weights[:cut] if weights else None)
                temperature = probe._choose_temperature(docs[cut:], labels[cut:])
        model = cls._fit_plain(docs, labels, min_df, c, weights)
        model.temperature = temperature
        model.char_ngrams = chars
        model.meta = dict(
            meta or {},
            n_train=n,
            min_df=min_df,
            c=c,
            temperature=temperature,
            char_ngrams=chars,
            half_life_days=half_life_days,
            cv_accuracy=cv,
        )
        return model

    @classmethod
    def _choose_c(
        cls,
        docs: Sequence[list[str]],
        labels: Sequence[str],
        weights: Sequence[float] | None,
        min_df: int,
        grid: Sequence[float],
        folds: int,
    ) -> tuple[float, dict[str, float]]:
        """The C with the best score over forward-chaining folds of the training rows.

        The score is the mean of top-1 and top-3 accuracy: the organization a specialist
        sees first matters, and so do the three suggestions shown."""
        n = len(docs)
        if n < 100 or len(grid) == 1:
            return float(grid[0] if len(grid) == 1 else 0.25), {}
        bounds = [int(n * (1 - 0.15 * (folds - f))) for f in range(folds + 1)]
        scores: dict[str, float] = {}
        for c in grid:
            accs = []
            for a, b in zip(bounds, bounds[1:], strict=False):
                if len(set(labels[:a])) < 2 or b <= a:
                    continue
                probe = cls._fit_plain(docs[:a], labels[:a], min_df, c, weights[:a] if weights else None)
                index = {k: i for i, k in enumerate(probe.classes)}
                hits = 0.0
                for d, y in zip(docs[a:b], labels[a:b], strict=True):
                    if y in index:
                        top = np.argsort(-probe.scores(d), kind="stable")[:3].tolist()
                        hits += 0.5 * (top[0] == index[y]) + 0.5 * (index[y] in top)
                accs.append(hits / (b - a))
            scores[str(c)] = round(sum(accs) / len(accs), 4) if accs else 0.0
        best = max(grid, key=lambda c: (scores[str(c)], -c))
        return float(best), scores

    @classmethod
    def _fit_plain(
        cls,
        docs: Sequence[list[str]],
        labels: Sequence[str],
        min_df: int,
        c: float,
        weights: Sequence[float] | None = None,
    ) -> LinearModel:
        from scipy import sparse
        from sklearn.svm import LinearSVC

        df: dict[str, int] = {}
        for d in docs:
            for f in set(d):
                df[f] = df.get(f, 0) + 1
        if min_df > 1 and sum(1 for v in df.values() if v >= min_df) < 2:
            min_df = 1
        kept = sorted(f for f, v in df.items() if v >= min_df)
        vocab = {f: i for i, f in enumerate(kept)}
        n = len(docs)
        idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in kept], dtype=np.float32)
        shell = cls(vocab, idf, np.zeros((len(kept), 1), np.float32), np.zeros(1, np.float32), ["?"])
        rows, cols, vals = [], [], []
        for r, d in enumerate(docs):
            idx, val = shell._row(d)
            rows += [r] * len(idx)
            cols += idx.tolist()
            vals += val.tolist()
        x = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(kept)), dtype=np.float32)
        clf = LinearSVC(C=c)
        clf.fit(x, list(labels), sample_weight=None if weights is None else np.asarray(weights, dtype=np.float64))
        classes = [str(k) for k in clf.classes_]
        coef = clf.coef_
        intercept = clf.intercept_
        if len(classes) == 2:  # binary: sklearn keeps one row; make it two symmetric rows
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]])
        return cls(vocab, idf, coef.T, intercept, classes)

    def _choose_temperature(self, docs: Sequence[list[str]], labels: Sequence[str]) -> float:
        index = {c: i for i, c in enumerate(self.classes)}
        pairs = [(self.scores(d), index[y]) for d, y in zip(docs, labels, strict=False) if y in index]
        if not pairs:
            return 5.0
        scores = np.vstack([p[0] for p in pairs])
        ys = np.array([p[1] for p in pairs])
        best, best_nll = 5.0, float("inf")
        for t in (0.5, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20):
            p = _softmax(scores, t)[np.arange(len(ys)), ys]
            nll = float(-np.log(np.maximum(p, 1e-9)).mean())
            if nll < best_nll:
                best, best_nll = float(t), nll
        return best

    # -- the vector of one message ---------------------------------------------------
    @staticmethod
    def _lemma_block(idx: list[int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions and L2-normalised sublinear tf-idf weights of the lemma features."""
        if not idx:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if len(set(idx)) == len(idx):
            positions = np.array(idx, dtype=np.int64)
            weights = idf[positions]
        else:  # sublinear tf for repeated features
            counts = dict.fromkeys(idx, 0)
            for i in idx:
                counts[i] += 1
            positions = np.fromiter(counts, dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            weights = idf[positions] * (1.0 + np.log(tf))
        return positions, weights / np.sqrt(weights @ weights)

    def _row(self, feats: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """The training row of a feature list: the lemma block and, from its ``#c:``
        features, the character block (idf × occurrences / √Σ idf² of the occurrences)."""
        vocab_get = self.vocab.get
        lemma_idx: list[int] = []
        char_idx: list[int] = []
        for f in feats:
            i = vocab_get(f)
            if i is not None:
                (char_idx if f.startswith(CHAR_PREFIX) else lemma_idx).append(i)
        positions, weights = self._lemma_block(lemma_idx, self.idf)
        if not char_idx:
            return positions, weights
        counts = dict.fromkeys(char_idx, 0)
        for i in char_idx:
            counts[i] += 1
        c_pos = np.fromiter(counts, dtype=np.int64, count=len(counts))
        c_idf = self.idf[c_pos]
        c_n = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        c_val = c_idf * c_n / np.sqrt(float(c_idf**2 @ c_n))
        return np.concatenate([positions, c_pos]), np.concatenate([weights, c_val.astype(np.float32)])

    def _word_row(self, word: str) -> int:
        """The row of a word form in the per-form sums of character n-grams (added on first sight)."""
        r = len(self._word_rows)
        if r >= len(self._word_sums):
            grow = max(min(max(1024, 2 * r), WORD_CACHE_SIZE), r + 1024)
            width = len(self.classes) + 1
            self._word_sums = np.vstack([self._word_sums[:r], np.zeros((grow - r, width), np.float32)])
        ids = [i for i in map(self.vocab.get, word_grams(word)) if i is not None]
        idf = self.idf[ids]
        self._word_sums[r, :-1] = idf @ self.coef_t[ids] if ids else 0.0
        self._word_sums[r, -1] = idf @ idf
        self._word_rows[word] = r
        return r

    def _raw(self, feats: Iterable[str], text: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw class scores, with the lemma block's positions and weights (for reasons)."""
        lemma_feats = list(feats)
        chars = self.char_ngrams and text
        if chars:
            assert text is not None
            lemma_feats += number_features(text)
        idx, val = self._lemma_block([i for i in map(self._lemma_vocab.get, lemma_feats) if i is not None], self.idf)
        raw = val @ self.coef_t[idx] + self.intercept if len(idx) else self.intercept
        if chars:
            assert text is not None
            words = char_words(text)
            with self._word_lock:  # rows are added, moved and cleared together
                if len(self._word_rows) + len(words) > WORD_CACHE_SIZE:
                    self._word_rows.clear()  # between messages, never in the middle of one
                get = self._word_rows.get
                rows = [r if (r := get(w)) is not None else self._word_row(w) for w in words]
                total = self._word_sums[rows].sum(axis=0) if rows else None
            if total is not None and total[-1] > 0:
                raw = raw + total[:-1] / math.sqrt(float(total[-1]))
        return raw, idx, val

    def scores(self, feats: Iterable[str], text: str | None = None) -> np.ndarray:
        """Raw class scores of a message (``text``: the message, for character n-grams;
        training rows carry their ``#c:`` features in ``feats`` instead)."""
        if text is None:
            idx, val = self._row(feats)
            return self.intercept.copy() if not len(idx) else val @ self.coef_t[idx] + self.intercept
        return self._raw(feats, text)[0].copy()

    # -- inference ---------------------------------------------------------------
    def predict(
        self, feats: Sequence[str], k: int = 3, *, explain: int = 4, text: str | None = None
    ) -> list[Suggestion]:
        """Top-``k`` labels with confidence and the lemma features that drove each (a person
        cannot read a character n-gram, so they never explain).

        ``text`` is the message itself: a model trained with character n-grams needs it."""
        raw, idx, val = self._raw(feats, text)
        z = raw * self.temperature
        e = np.exp(z - z.max())
        probs = e / e.sum()
        order = np.argsort(-probs, kind="stable")[:k].tolist()
        confidence = probs[order].tolist()
        if not explain or not len(idx):
            return [Suggestion(self.classes[c], round(confidence[j], 3), []) for j, c in enumerate(order)]
        state: dict[str, list[list[str]]] = {}

        def reasons_of(j: int) -> list[str]:
            if "all" not in state:
                contrib = self.coef_t[idx][:, order] * val[:, None]
                best = np.argsort(-contrib, axis=0)[:explain].T.tolist()
                positive = (contrib > 0).T.tolist()
                positions = idx.tolist()
                state["all"] = [
                    [describe_feature(self.feature_name(positions[f])) for f in features if positive[jj][f]]
                    for jj, features in enumerate(best)
                ]
            return state["all"][j]

        return [
            Suggestion(self.classes[c], round(confidence[j], 3), explain=lambda j=j: reasons_of(j))  # type: ignore[misc]
            for j, c in enumerate(order)
        ]

    def feature_name(self, i: int) -> str:
        if self._names is None:
            names = [""] * len(self.vocab)
            for f, j in self.vocab.items():
                names[j] = f
            self._names = names
        return self._names[i]

    # -- persistence -------------------------------------------------------------
    def to_bytes(self) -> bytes:
        header = {
            "format": FORMAT_VERSION,
            "classes": self.classes,
            "temperature": self.temperature,
            "meta": self.meta,
            "features": [self.feature_name(i) for i in range(len(self.vocab))],
        }
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8),
            idf=self.idf,
            coef_t=self.coef_t.astype(np.float16),
            intercept=self.intercept,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            header = json.loads(z["header"].tobytes().decode())
            version = header.get("format")
            if version not in (1, FORMAT_VERSION):
                raise ValueError("неизвестный формат модели")
            if version == 1 and (header.get("meta") or {}).get("char_ngrams"):
                # Format 1 weighed character n-grams together with the lemmas: its weights
                # mean something else now (the lemma-only models of format 1 are unchanged).
                raise ValueError("модель обучена прежней версией Отклика — переобучите её (triage_train)")
            vocab = {f: i for i, f in enumerate(header["features"])}
            return cls(
                vocab,
                z["idf"],
                z["coef_t"].astype(np.float32),
                z["intercept"],
                header["classes"],
                temperature=header["temperature"],
                meta=header.get("meta") or {},
            )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        return cls.from_bytes(Path(path).read_bytes())


class KeywordRouter:
    """Cold start: organizations scored by their competence keywords and topics.

    ``organizations`` maps a label to (keywords text, topic names).  A keyword shared by
    many organizations counts less (1 / number of organizations having it); the
    organization whose competence includes the message's topic gets a bonus.
    """

    def __init__(self, organizations: Mapping[str, tuple[str, Sequence[str]]]):
        self.labels = list(organizations)
        self._uni: dict[str, list[int]] = {}
        self._bi: dict[tuple[str, str], list[int]] = {}
        self._topics: dict[str, list[int]] = {}
        for i, label in enumerate(self.labels):
            keywords, topics = organizations[label]
            uni, bi = _parse_keywords(keywords or "")
            for u in uni:
                self._uni.setdefault(u, []).append(i)
            for b in bi:
                self._bi.setdefault(b, []).append(i)
            for t in topics:
                self._topics.setdefault(t, []).append(i)

    def predict(self, lemmas: Sequence[str], topic: str | None = None, k: int = 3) -> list[Suggestion]:
        scores = [0.0] * len(self.labels)
        why: dict[int, list[str]] = {}
        seen: set[object] = set()
        for w in lemmas:
            hit = self._uni.get(w)
            if hit and w not in seen:
                seen.add(w)
                for i in hit:
                    scores[i] += 1.0 / len(hit)
                    why.setdefault(i, []).append(w)
        for a, b in zip(lemmas, lemmas[1:], strict=False):
            hit2 = self._bi.get((a, b))
            if hit2 and (a, b) not in seen:
                seen.add((a, b))
                for i in hit2:
                    scores[i] += 2.0 / len(hit2)
                    why.setdefault(i, []).append(f"{a} {b}")
        if topic:
            for i in self._topics.get(topic, []):
                scores[i] += 1.0 / len(self._topics[topic])
                why.setdefault(i, []).append(f"тема: {topic}")
        ranked = sorted((i for i in range(len(scores)) if scores[i] > 0), key=lambda i: (-scores[i], i))[:k]
        total = sum(scores) + 1.0  # +1: never fully confident from keywords alone
        return [Suggestion(self.labels[i], round(scores[i] / total, 3), why[i][:4]) for i in ranked]
