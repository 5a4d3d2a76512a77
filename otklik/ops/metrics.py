"""Prometheus metrics at /metrics.

Request counters and latencies are kept per process (with ``PROMETHEUS_MULTIPROC_DIR`` set,
as ``otklik run`` does under gunicorn, all workers' files are summed). Everything read from
the database — queue lag, overdue deadlines, failures, collection — is computed at scrape
time, so any web process answers the same. Other apps' tables are read defensively: a
missing app, model or table yields no sample rather than an error.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import DatabaseError
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from otklik.ops.health import heartbeat_age

log = logging.getLogger(__name__)

REQUESTS = Counter("otklik_http_requests_total", "HTTP requests served", ["method", "route", "status"], registry=None)
LATENCY = Histogram(
    "otklik_http_request_duration_seconds",
    "Time to serve an HTTP request",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=None,
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} else "OTHER"
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def _model(label: str, name: str) -> Any:
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def _has_field(model: Any, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


class DatabaseCollector(Collector):
    """Figures read from the database and the job queue at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for producer in (self._queue, self._heartbeat, self._deadlines, self._failures, self._collection):
            try:
                yield from producer()
            except DatabaseError as exc:  # a table not migrated yet, a replica lagging...
                log.warning("metrics: %s skipped: %s", producer.__name__, exc)
            except Exception:
                log.exception("metrics: %s failed", producer.__name__)

    def _queue(self) -> Iterator[GaugeMetricFamily]:
        from huey.contrib.djhuey import HUEY

        yield GaugeMetricFamily("otklik_jobs_queued", "Jobs waiting in the queue", value=HUEY.pending_count())
        yield GaugeMetricFamily("otklik_jobs_scheduled", "Jobs scheduled for later", value=HUEY.scheduled_count())

    def _heartbeat(self) -> Iterator[GaugeMetricFamily]:
        age = heartbeat_age()
        g = GaugeMetricFamily(
            "otklik_jobs_lag_seconds", "Seconds since the job consumer's last heartbeat (-1: never beat)"
        )
        g.add_metric([], -1 if age is None else age)
        yield g

    def _deadlines(self) -> Iterator[GaugeMetricFamily]:
        Deadline = _model("cases", "Deadline")
        if Deadline is None:
            return
        from django.db.models import Count

        rows = (
            Deadline.objects.filter(closed_at__isnull=True, due_at__lt=timezone.now())
            .values("stage")
            .annotate(n=Count("id"))
        )
        g = GaugeMetricFamily("otklik_deadlines_overdue", "Open deadlines past their due time", labels=["stage"])
        for row in rows:
            g.add_metric([row["stage"]], row["n"])
        yield g

    def _failures(self) -> Iterator[GaugeMetricFamily]:
        """Rows with status 'failed' in notifications (any notify model) and publications."""
        from django.db.models import Count

        g = GaugeMetricFamily(
            "otklik_notification_failures", "Notifications whose delivery failed", labels=["model", "channel"]
        )
        try:
            notify_models = list(apps.get_app_config("notify").get_models())
        except LookupError:
            notify_models = []
        for model in notify_models:
            if not _has_field(model, "status"):
                continue
            status_field: Any = model._meta.get_field("status")
            choices = {c[0] for c in (status_field.choices or [])}
            if choices and "failed" not in choices:
                continue
            qs = model._default_manager.filter(status="failed")
            name = str(model._meta.model_name)
            if _has_field(model, "channel"):
                for row in qs.values("channel").annotate(n=Count("pk")):
                    g.add_metric([name, str(row["channel"])], row["n"])
            else:
                g.add_metric([name, ""], qs.count())
        yield g
        Publication = _model("cases", "Publication")
        if Publication is not None:
            yield GaugeMetricFamily(
                "otklik_publication_failures",
                "Publications in status failed",
                value=Publication.objects.filter(status="failed").count(),
            )

    def _collection(self) -> Iterator[GaugeMetricFamily]:
        State = _model("connectors", "CollectionState")
        if State is None:
            return
        total = GaugeMetricFamily(
            "otklik_collected_messages", "Messages collected from an official account", labels=["account", "network"]
        )
        age = GaugeMetricFamily(
            "otklik_collection_success_age_seconds",
            "Seconds since the last successful collection from an account (-1: never)",
            labels=["account", "network"],
        )
        failing = GaugeMetricFamily(
            "otklik_collection_failing",
            "1 when the last collection from an account failed",
            labels=["account", "network"],
        )
        now = timezone.now()
        fields = ["account_id", "account__network", "watched_id", "watched__network", "collected_total",
                  "last_success_at", "last_error_at"]  # fmt: skip
        for row in State.objects.values(*fields):
            # a watched third-party community has no account of its own: labelled "watched-<id>"
            key = str(row["account_id"]) if row["account_id"] else f"watched-{row['watched_id']}"
            labels = [key, row["account__network"] or row["watched__network"] or ""]
            total.add_metric(labels, row["collected_total"] or 0)
            ok_at, err_at = row["last_success_at"], row["last_error_at"]
            age.add_metric(labels, (now - ok_at).total_seconds() if ok_at else -1)
            failing.add_metric(labels, 1 if err_at and (not ok_at or err_at > ok_at) else 0)
        yield total
        yield age
        yield failing


def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(DatabaseCollector())
    return generate_latest(registry)
