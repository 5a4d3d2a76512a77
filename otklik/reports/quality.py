"""§3: answers the regional centre found unsatisfactory, counted for the dashboard."""

from __future__ import annotations

import datetime as dt

from otklik.cases.models import CaseEvent
from otklik.directory.models import Municipality


def unsatisfactory_count(municipalities: list[Municipality], start: dt.datetime, end: dt.datetime) -> int:
    return CaseEvent.objects.filter(
        kind="answer_unsatisfactory",
        case__municipality__in=municipalities,
        created_at__gte=start,
        created_at__lt=end,
    ).count()
