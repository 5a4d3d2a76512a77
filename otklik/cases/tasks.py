"""Periodic jobs of the cases app."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from otklik.cases.sweep import sweep


@db_periodic_task(crontab(minute="*"))
def sweep_deadlines() -> str:
    """Every minute: warnings, breaches and lapsed §10 windows (see ``otklik/cases/sweep.py``).

    Safe to run on several consumers at once; the sweep marks each row exactly once.
    """
    return str(sweep())
