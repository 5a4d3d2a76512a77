"""Reading labelled CSV files, training and evaluating the routing model (pure)."""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .routing import LinearModel, build_features
from .text import normalize


def open_text(path: str | Path) -> io.TextIOBase:
    """Open a CSV file, gzipped or not (by magic bytes, not the name)."""
    p = Path(path)
    with open(p, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(p, "rt", encoding="utf-8-sig", newline="")  # type: ignore[return-value]
    return open(p, encoding="utf-8-sig", newline="")  # noqa: SIM115


def read_rows(path: str | Path, required: Sequence[str] = ()) -> Iterator[dict[str, str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open_text(path) as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise KeyError(f"в файле {path} нет столбцов: {', '.join(missing)}")
        yield from reader


@dataclass(slots=True)
class LabelledSet:
    docs: list[list[str]]
    labels: list[str]
    texts: list[str] | None = None  # cleaned texts, for models with character n-grams
    dates: list[date | None] | None = None


def parse_date(value: str | None) -> date | None:
    """A date from «2021-03-05», «2021-03-05 10:00:00», «05.03.2021» (None when absent or unreadable)."""
    raw = (value or "").strip()[:19]
    for fmt, size in (("%Y-%m-%d", 10), ("%d.%m.%Y", 10)):
        try:
            return datetime.strptime(raw[:size], fmt).date()
        except ValueError:
            continue
    return None


def load_labelled(
    path: str | Path,
    text_column: str,
    label_column: str,
    location_column: str | None = None,
    *,
    date_column: str | None = None,
    source_column: str | None = None,
) -> LabelledSet:
    """Rows of a CSV file as features; ``date_column`` and ``source_column`` are optional.

    The source (an account or community) becomes an ``@acc:`` feature; rows are put in
    date order when dates are given (undated rows keep their place at the start)."""
    required = [text_column, label_column] + [c for c in (location_column, date_column, source_column) if c]
    rows: list[tuple[date | None, int, list[str], str, str]] = []
    for n, row in enumerate(read_rows(path, required)):
        label = (row.get(label_column) or "").strip()
        if not label:
            continue
        locs = [row.get(location_column) or ""] if location_column else []
        extras = [f"@acc:{row.get(source_column, '').strip()}"] if source_column and row.get(source_column) else []
        nt = normalize(row.get(text_column) or "")
        when = parse_date(row.get(date_column)) if date_column else None
        rows.append((when, n, build_features(nt.lemmas, locs, extras), label, nt.clean))
    if date_column:
        rows.sort(key=lambda r: (r[0] or date.min, r[1]))
    return LabelledSet(
        [r[2] for r in rows],
        [r[3] for r in rows],
        [r[4] for r in rows],
        [r[0] for r in rows] if date_column else None,
    )


def evaluate(model: LinearModel, test: LabelledSet, *, per_class: bool = False) -> dict:
    """accuracy, top-3 accuracy and macro F1 over the labels seen in the test set.

    With ``per_class``: recall of each label and the confusion with the largest
    («catch-all») label of the test set — how often a message of another label goes
    there, and how often its own messages go elsewhere."""
    correct = top3 = 0
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    to_catch_all: Counter[str] = Counter()
    counts = Counter(test.labels)
    catch_all = counts.most_common(1)[0][0] if counts else None
    texts: list[str | None] = list(test.texts) if test.texts else [None] * len(test.docs)
    for feats, gold, text in zip(test.docs, test.labels, texts, strict=False):
        top = [s.label for s in model.predict(feats, k=3, explain=0, text=text)]
        pred = top[0] if top else None
        if pred == gold:
            correct += 1
            tp[gold] += 1
        else:
            fn[gold] += 1
            if pred is not None:
                fp[pred] += 1
        if gold in top:
            top3 += 1
        if pred == catch_all and gold != catch_all:
            to_catch_all[gold] += 1
    n = len(test.labels)
    f1s = []
    for label in set(test.labels):
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    out: dict = {
        "accuracy": round(correct / n, 4) if n else 0.0,
        "top3_accuracy": round(top3 / n, 4) if n else 0.0,
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "n_test": n,
    }
    if per_class and catch_all is not None:
        out["recall"] = {label: round(tp[label] / counts[label], 4) for label, _ in counts.most_common()}
        others = n - counts[catch_all]
        out["catch_all"] = {
            "label": catch_all,
            "share_of_test": round(counts[catch_all] / n, 4),
            "others_sent_there": round(sum(to_catch_all.values()) / others, 4) if others else 0.0,
            "its_own_sent_elsewhere": round(fn[catch_all] / counts[catch_all], 4),
            "most_confused": dict(to_catch_all.most_common(5)),
        }
    return out
