import json
import logging

from django.test import override_settings
from django.utils import timezone

from otklik.directory.models import Heartbeat


def test_healthz_answers_even_for_an_unknown_host(client):
    r = client.get("/healthz", HTTP_HOST="10.1.2.3")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_readyz_fails_without_a_heartbeat_and_passes_with_one(client, db):
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["database"]["ok"] is True
    assert "ни разу" in r.json()["checks"]["jobs"]["error"]
    Heartbeat.objects.create(name="consumer", beat_at=timezone.now())
    r = client.get("/readyz")
    assert r.status_code == 200, r.json()


def test_readyz_fails_when_the_consumer_is_silent(client, db):
    Heartbeat.objects.create(name="consumer", beat_at=timezone.now() - timezone.timedelta(minutes=10))
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["jobs"]["lag_seconds"] >= 600


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_readyz_reports_an_unreachable_redis(client, db):
    Heartbeat.objects.create(name="consumer", beat_at=timezone.now())
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["redis"]["ok"] is False


def test_metrics_expose_requests_queue_and_deadlines(client, db):
    client.get("/login/")
    Heartbeat.objects.create(name="consumer", beat_at=timezone.now())
    body = client.get("/metrics").content.decode()
    assert 'otklik_http_requests_total{method="GET",route="/login/",status="200"}' in body
    assert "otklik_http_request_duration_seconds_bucket" in body
    assert "otklik_jobs_queued" in body and "otklik_jobs_lag_seconds" in body
    assert "otklik_deadlines_overdue" in body or "cases" not in body
    assert "otklik_notification_failures" in body


@override_settings(METRICS_TOKEN="s3cret")
def test_metrics_can_require_a_token(client, db):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_every_response_carries_a_request_id_and_keeps_a_sane_incoming_one(client, db):
    assert len(client.get("/login/")["X-Request-ID"]) >= 8
    assert client.get("/login/", HTTP_X_REQUEST_ID="abc-12345678")["X-Request-ID"] == "abc-12345678"
    assert client.get("/login/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


def test_json_logs_carry_the_request_id():
    from otklik.ops.context import request_id_var
    from otklik.ops.logging import JsonFormatter, RequestIdFilter

    record = logging.LogRecord("otklik.x", logging.INFO, __file__, 1, "привет %s", ("мир",), None)
    record.case_id = 7
    token = request_id_var.set("req-123456")
    try:
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["msg"] == "привет мир" and line["request_id"] == "req-123456" and line["case_id"] == 7


def test_metrics_count_failed_deliveries_and_overdue_deadlines(client, cast):
    from otklik.cases.models import Case, Deadline
    from otklik.notify.models import Delivery, Notification

    now = timezone.now()
    n = Notification.objects.create(user=cast.roads, kind="x", title="t", dedupe_key="k", created_at=now)
    Delivery.objects.create(
        notification=n, channel="email", address="a@b.c", status="failed", next_attempt_at=now, created_at=now
    )
    case = Case.objects.create(municipality=cast.municipality, status="new")
    Deadline.objects.create(
        case=case,
        stage="route",
        point="9.2",
        limit_value=60,
        limit_unit="working_minutes",
        started_at=now - timezone.timedelta(hours=3),
        due_at=now - timezone.timedelta(hours=1),
        warn_at=now,
    )
    body = client.get("/metrics").content.decode()
    assert 'otklik_notification_failures{channel="email",model="delivery"} 1.0' in body
    assert 'otklik_deadlines_overdue{stage="route"} 1.0' in body


@override_settings(PRODUCTION=True, METRICS_TOKEN="")
def test_metrics_are_refused_in_production_without_a_token(client, db):
    r = client.get("/metrics")
    assert r.status_code == 403 and "METRICS_TOKEN" in r.content.decode()
    assert "otklik_" not in r.content.decode()
