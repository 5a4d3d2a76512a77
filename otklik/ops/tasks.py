"""Periodic jobs of the ops app (run by the job consumer, `otklik worker`)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from otklik.accounts.throttle import purge_old_attempts
from otklik.ops.personal_data import apply_retention

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="40"))
@lock_task("ops-retention")  # one consumer at a time, however many run
def apply_retention_job() -> dict[str, int]:
    """152-ФЗ: anonymise authors of cases closed longer ago than the municipality's policy."""
    done = apply_retention()
    log.info("retention: %s", done, extra={"retention": done})
    return done


@db_periodic_task(crontab(hour="4", minute="25"))
@lock_task("ops-orphan-uploads")
def remove_orphan_uploads_job() -> int:
    """Uploads never attached to a draft or a co-executor's part are removed after a day."""
    from otklik.files.attachments import remove_orphans

    return remove_orphans()


@db_periodic_task(crontab(hour="4", minute="10"))
def purge_login_attempts_job() -> int:
    return purge_old_attempts()
