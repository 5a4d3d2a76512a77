"""Structured logs: one JSON object per line, with the request id of the request being served.

Used by ``LOGGING`` in settings when ``LOG_FORMAT=json`` (the default in production).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from otklik.ops.context import current_request_id
from otklik.redaction import redact, remember_secrets

# Attributes every LogRecord has; anything else was passed in ``extra=`` and is logged as a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


SECRET_SETTINGS = ("SECRET_KEY", "EMAIL_HOST_PASSWORD", "TELEGRAM_NOTIFY_BOT_TOKEN", "METRICS_TOKEN")


def _remember_configured() -> None:
    """The secrets the process is configured with (read on each record: tests change them)."""
    try:
        from django.conf import settings

        if not settings.configured:
            return
        remember_secrets(getattr(settings, name, "") for name in SECRET_SETTINGS)
        remember_secrets(getattr(settings, "OTKLIK_ENCRYPTION_KEYS", None) or ())
        remember_secrets(db.get("PASSWORD") for db in settings.DATABASES.values())
    except Exception:  # noqa: BLE001, S110 - logging must never fail because of settings
        pass


class RedactSecrets(logging.Filter):
    """Masks secrets and citizen text in the message, its fields and its traceback (see
    :mod:`otklik.redaction`). On the handlers, so every logger's records pass through it."""

    def filter(self, record: logging.LogRecord) -> bool:
        _remember_configured()
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(record.__dict__.items()):
            if key in _STANDARD or key.startswith("_") or value is None or isinstance(value, (bool, int, float)):
                continue
            # Other objects (django.request's WSGIRequest) are written by their text: mask that.
            setattr(record, key, redact(value if isinstance(value, str) else str(value)))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id and request_id != "-":
            payload["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_text:
            payload["exc"] = record.exc_text
        elif record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)
