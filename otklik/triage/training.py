"""Reading labelled CSV files, training and evaluating the routing model (pure)."""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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


def load_labelled(
    path: str | Path, text_column: str, label_column: str, location_column: str | None = None
) -> LabelledSet:
    required = [text_column, label_column] + ([location_column] if location_column else [])
    docs: list[list[str]] = []
    labels: list[str] = []
    for row in read_rows(path, required):
        label = (row.get(label_column) or "").strip()
        if not label:
            continue
        locs = [row.get(location_column) or ""] if location_column else []
        docs.append(build_features(normalize(row.get(text_column) or "").lemmas, locs))
        labels.append(label)
    return LabelledSet(docs, labels)


def evaluate(model: LinearModel, test: LabelledSet) -> dict:
    """accuracy, top-3 accuracy and macro F1 over the labels seen in the test set."""
    correct = top3 = 0
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for feats, gold in zip(test.docs, test.labels, strict=False):
        top = [s.label for s in model.predict(feats, k=3, explain=0)]
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
    n = len(test.labels)
    f1s = []
    for label in set(test.labels):
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return {
        "accuracy": round(correct / n, 4) if n else 0.0,
        "top3_accuracy": round(top3 / n, 4) if n else 0.0,
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        "n_test": n,
    }
