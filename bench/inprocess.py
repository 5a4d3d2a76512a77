"""What the in-process benchmarks share (web_inbox, reports, import_file): a production-like
Django in this process, and the timing of a page through the test client."""

from __future__ import annotations

import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def configure(data_dir: str) -> None:
    """Settings from the environment as production has them (DEBUG off, quiet logs, jobs queued)."""
    sys.path.insert(0, ROOT)
    os.environ.setdefault("OTKLIK_DATA_DIR", data_dir)
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ACCESS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("HUEY_IMMEDIATE", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def measure_page(client, url: str, repeat: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """p50 and p95 in ms of ``repeat`` renders after a warm-up, and the page's query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        times.append((time.perf_counter() - t) * 1000)
    p50, p95 = percentiles(times)
    return p50, p95, len(ctx.captured_queries)
