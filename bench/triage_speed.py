"""Triage speed: whole triage of one message vs lemmatisation alone (run by hand).

    .venv/bin/python bench/triage_speed.py [--data ../shared/data] [-n 5000]

Both run on the same St Petersburg complaints, one message at a time, on one core
(BLAS threads pinned to 1).  "Lemmatisation alone" is razdel tokens + cached pymorphy3
lemmas; "whole triage" is normalisation (cleaning, de-obfuscation, lemmas) + relevance
+ topic + routing (a linear model over lemma n-grams, character n-grams and numbers of the
text + district, trained here on other messages)
+ abuse + significance.  Targets: >= 1,000 messages/s, <= 3x lemmatisation alone.
Warm figures (the lemma caches filled by a first pass) are the steady state of a
running service; cold figures are printed too.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from otklik.triage import text as text_mod  # noqa: E402
from otklik.triage.pipeline import Triager  # noqa: E402
from otklik.triage.routing import LinearModel, build_features  # noqa: E402
from otklik.triage.training import read_rows  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
TARGET_RATE = 1000.0
TARGET_RATIO = 3.0


def clear_caches() -> None:
    text_mod.lemmatize.cache_clear()
    text_mod.deobfuscate.cache_clear()


def timed(fn, items) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall seconds, CPU seconds of this process) for running fn over items."""
    wall, cpu = time.perf_counter(), time.process_time()
    for item in items:
        fn(item)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("OTKLIK_SHARED_DATA", DEFAULT_DATA)))
    parser.add_argument("-n", type=int, default=5000, help="messages to time")
    parser.add_argument("--train", type=int, default=15000, help="messages to train the routing model on")
    parser.add_argument("--no-char-ngrams", action="store_true", help="a routing model without character n-grams")
    args = parser.parse_args()
    path = args.data / "spb-our-city" / "appeals.csv.gz"
    if not path.exists():
        print(f"data not found: {path}", file=sys.stderr)
        return 2
    rows = list(read_rows(path))
    rows.sort(key=lambda r: (r["date"], int(r["id"])))
    train, sample = rows[: args.train], rows[-args.n :]
    t = time.perf_counter()
    normalized = [text_mod.normalize(r["text"]) for r in train]
    model = LinearModel.fit(
        [build_features(nt.lemmas, [r["district"]]) for nt, r in zip(normalized, train, strict=True)],
        [r["responsible_org"] for r in train],
        calibrate=False,
        texts=None if args.no_char_ngrams else [nt.clean for nt in normalized],
    )
    print(
        f"routing model: {len(model.classes)} organizations, {len(model.vocab)} features "
        f"(trained on {len(train)} messages in {time.perf_counter() - t:.1f}s)"
    )
    triager = Triager(router=model)
    texts = [r["text"] for r in sample]
    pairs = [(r["text"], r["district"]) for r in sample]
    chars = sum(len(x) for x in texts) / len(texts)
    print(
        f"timing {len(texts)} messages, mean length {chars:.0f} characters; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (a shared machine inflates both sides)"
    )

    def whole(pair: tuple[str, str]) -> None:
        triager.run(pair[0], location=pair[1])

    results = {}
    n = len(texts)
    for phase in ("cold", "warm"):
        if phase == "cold":
            clear_caches()
        lem = timed(text_mod.lemmas_only, texts)
        if phase == "cold":
            clear_caches()
        tri = timed(whole, pairs)
        results[phase] = (lem, tri)
        for kind, k in (("wall", 0), ("cpu", 1)):
            print(
                f"{phase} [{kind} time]: lemmatisation alone {n / lem[k]:,.0f} msg/s ({lem[k] / n * 1e6:.0f} us/msg); "
                f"whole triage {n / tri[k]:,.0f} msg/s ({tri[k] / n * 1e6:.0f} us/msg); ratio {tri[k] / lem[k]:.2f}x"
            )
    # Interleaved, message by message, so that both sides see the same load on a shared
    # machine (the figure the RESULT line uses).
    lem_cpu = tri_cpu = why_cpu = 0.0
    clock = time.process_time
    for text, pair in zip(texts, pairs, strict=True):
        c0 = clock()
        text_mod.lemmas_only(text)
        c1 = clock()
        whole(pair)
        c2 = clock()
        out = triager.run(pair[0], location=pair[1])
        for suggestion in out.suggestions:
            suggestion.reasons  # noqa: B018 - materialise the explanations
        c3 = clock()
        lem_cpu += c1 - c0
        tri_cpu += c2 - c1
        why_cpu += c3 - c2
    print(
        f"interleaved [cpu time]: lemmatisation alone {n / lem_cpu:,.0f} msg/s ({lem_cpu / n * 1e6:.0f} us/msg); "
        f"whole triage {n / tri_cpu:,.0f} msg/s ({tri_cpu / n * 1e6:.0f} us/msg); ratio {tri_cpu / lem_cpu:.2f}x; "
        f"with the routing explanations worked out (as stored per post) {n / why_cpu:,.0f} msg/s, "
        f"ratio {why_cpu / lem_cpu:.2f}x"
    )
    # CPU time of the process is what "one core" means on a shared machine.
    rate = n / tri_cpu
    ratio = tri_cpu / lem_cpu
    print(
        f"RESULT whole triage {rate:,.0f} msg/s per core (CPU time, warm, interleaved; target >= {TARGET_RATE:,.0f}: "
        f"{'met' if rate >= TARGET_RATE else 'NOT met'}, {rate / TARGET_RATE:.2f}x the target); "
        f"cost {ratio:.2f}x lemmatisation alone (target <= {TARGET_RATIO}: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})"
    )
    # One long message: the 1 MB paste is cut at MAX_ANALYSED_CHARS.
    big = "Во дворе яма и мусор. " * 50_000
    t = time.perf_counter()
    triager.run(big)
    print(f"one 1 MB message: {time.perf_counter() - t:.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
