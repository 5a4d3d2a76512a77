"""Scheduled retraining of the triage models (weekly, Sunday night UTC)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)


@db_periodic_task(crontab(day_of_week="0", hour="1", minute="30"))
def retrain_triage_models() -> dict:
    from otklik.directory.models import Municipality
    from otklik.triage.services import train_municipality

    report = {}
    for municipality in Municipality.objects.filter(is_active=True).order_by("slug"):
        try:
            report[municipality.slug] = train_municipality(municipality)
        except Exception:  # one municipality's bad data must not stop the others
            log.exception("triage retraining failed for %s", municipality.slug)
    return report
