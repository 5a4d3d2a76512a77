"""Periodic jobs of notifications: send what is due (quiet-hours backlog, retries), link chats."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from otklik.notify import services


@db_periodic_task(crontab(minute="*"))
def send_due_notifications() -> dict[str, int]:
    return services.send_due()


@db_periodic_task(crontab(minute="*"))
def poll_notify_bot() -> int:
    return services.poll_bot()
