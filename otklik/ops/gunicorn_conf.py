"""gunicorn settings for `otklik run` (read with --config python:otklik.ops.gunicorn_conf).

Every value can be set from the environment; see docs/deploy.md.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

bind = os.environ.get("OTKLIK_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: a slow leak in any library cannot grow forever.
max_requests = 2000
max_requests_jitter = 200
# Our middleware writes the access log (JSON, with request ids); gunicorn logs only errors.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only nginx on this machine (or the load balancer named here) may set X-Forwarded-*.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
if Path("/dev/shm").is_dir():  # noqa: S108  (gunicorn heartbeat files: RAM, not disk)
    worker_tmp_dir = "/dev/shm"  # noqa: S108
proc_name = "otklik-web"


def on_starting(server: Any) -> None:
    # Prometheus multiprocess files of a previous run would be summed into this one.
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and Path(directory).is_dir():
        shutil.rmtree(directory, ignore_errors=True)
        Path(directory).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# gunicorn's own lines (start, worker boot, timeouts) in the same JSON format as the application's.
if os.environ.get("LOG_FORMAT", "json" if os.environ.get("OTKLIK_ENV") == "production" else "text") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "otklik.ops.logging.JsonFormatter"}},
        "filters": {"redact": {"()": "otklik.ops.logging.RedactSecrets"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
                "filters": ["redact"],
            }
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {"gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False}},
    }
