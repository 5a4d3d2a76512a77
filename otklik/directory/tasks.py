"""Project-wide periodic jobs. Apps put their own jobs in their ``tasks.py``."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "otklik:heartbeat"


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> str:
    """Proves the job consumer runs: records the time of its last beat."""
    from otklik.directory.models import Heartbeat

    now = timezone.now()
    Heartbeat.objects.update_or_create(name="consumer", defaults={"beat_at": now})
    cache.set(HEARTBEAT_KEY, now.isoformat(), None)
    log.info("heartbeat %s", now.isoformat())
    return now.isoformat()
