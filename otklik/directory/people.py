"""People behind the organizations (§7): the responsible person, absences and deputies.

An absence (dates inclusive, in the municipality's local calendar) hands a person's cases
and notifications to their deputy: :func:`present` is the one place that decides who
actually receives something meant for a person. A deputy who is away too passes it on to
their own deputy (a chain, never a loop).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from otklik.directory.models import Absence, Membership, Role

MAX_CHAIN = 5
MAX_ABSENCE_DAYS = 366


def organization_responsible(organization_id: int | None) -> Any:
    """The organization's responsible person (§7), the earliest named if several; None if none."""
    if organization_id is None:
        return None
    m = (
        Membership.objects.filter(organization_id=organization_id, role=Role.ORG_RESPONSIBLE, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return m.user if m else None


def organization_people(organization_ids: Iterable[int]) -> list[Any]:
    """Everyone who works the organizations' cases: executors and the responsible."""
    user_ids = Membership.objects.filter(
        organization_id__in=list(organization_ids), role__in=[Role.EXECUTOR, Role.ORG_RESPONSIBLE]
    ).values("user_id")
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def _today(at: dt.datetime | None, tz: Any) -> dt.date:
    return timezone.localtime(at or timezone.now(), tz or timezone.get_default_timezone()).date()


def current_absence(user: Any, *, at: dt.datetime | None = None, tz: Any = None) -> Absence | None:
    day = _today(at, tz)
    return (
        Absence.objects.filter(user=user, cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day)
        .select_related("deputy")
        .order_by("-starts_on", "-id")
        .first()
    )


def present(users: Iterable[Any], *, at: dt.datetime | None = None, tz: Any = None) -> list[Any]:
    """``users`` with each absent person replaced by their (present) deputy, without repeats."""
    users = [u for u in users if u is not None]
    if not users:
        return []
    day = _today(at, tz)
    away = {
        a.user_id: a.deputy
        for a in Absence.objects.filter(
            user_id__in=[u.pk for u in users], cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day
        )
        .select_related("deputy")
        .order_by("starts_on", "id")
    }
    out: list[Any] = []
    seen: set[int] = set()
    for user in users:
        person = away.get(user.pk, user)
        for _ in range(MAX_CHAIN):  # the deputy may be away as well
            if person.pk == user.pk or (nxt := current_absence(person, at=at, tz=tz)) is None:
                break
            if nxt.deputy_id == user.pk:
                break
            person = nxt.deputy
        if person.is_active and person.pk not in seen:
            seen.add(person.pk)
            out.append(person)
    return out


def deputising_for_query(user: Any, *, at: dt.datetime | None = None, tz: Any = None) -> QuerySet[Any]:
    """The ids of the people ``user`` stands in for today, as a subquery."""
    day = _today(at, tz)
    return Absence.objects.filter(
        deputy_id=user.pk, cancelled_at__isnull=True, starts_on__lte=day, ends_on__gte=day
    ).values("user_id")


def deputising_for(user: Any, *, at: dt.datetime | None = None, tz: Any = None) -> list[int]:
    """Ids of the people ``user`` stands in for today."""
    return sorted(deputising_for_query(user, at=at, tz=tz).values_list("user_id", flat=True))


def _organizations(user: Any) -> set[int]:
    return set(
        Membership.objects.filter(user=user, organization__isnull=False).values_list("organization_id", flat=True)
    )


def may_manage_absence(acting_user: Any, user: Any) -> bool:
    """The person themself, their organization's responsible or the municipality's coordinator."""
    if acting_user is None:
        return True
    if getattr(acting_user, "pk", None) == user.pk:
        return True
    orgs = _organizations(user)
    mine = Membership.objects.filter(user=acting_user)
    if mine.filter(role=Role.ORG_RESPONSIBLE, organization_id__in=orgs).exists():
        return True
    munis = Membership.objects.filter(user=user).values("municipality_id")
    return mine.filter(role=Role.COORDINATOR, municipality_id__in=munis).exists()


def do_set_absence(
    user: Any,
    *,
    starts_on: dt.date,
    ends_on: dt.date,
    deputy: Any,
    comment: str = "",
    acting_user: Any,
) -> Absence:
    """Mark ``user`` absent from ``starts_on`` to ``ends_on`` with ``deputy`` standing in; the security
    log records it (ops.audit listens to Absence saves, as it does for memberships)."""
    if not may_manage_absence(acting_user, user):
        raise ValidationError(
            "Отметить отсутствие может сам сотрудник, ответственный в его организации или координатор."
        )
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ValidationError("Укажите даты отсутствия: «по» не раньше, чем «с».")
    if (ends_on - starts_on).days >= MAX_ABSENCE_DAYS:
        raise ValidationError("Отсутствие не может быть длиннее года: отметьте его частями.")
    if deputy is None or deputy.pk == user.pk:
        raise ValidationError("Укажите замещающего — другого сотрудника.")
    if not deputy.is_active:
        raise ValidationError("Замещающий заблокирован в системе.")
    orgs = _organizations(user)
    if orgs and not (orgs & _organizations(deputy)):
        raise ValidationError("Замещающий должен работать в той же организации, что и отсутствующий.")
    if not orgs:
        raise ValidationError("У сотрудника нет роли в организации: замещать нечего.")
    with transaction.atomic():
        overlap = Absence.objects.select_for_update().filter(
            user=user, cancelled_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        if overlap.exists():
            raise ValidationError("На эти даты отсутствие уже отмечено: сначала отмените его.")
        absence = Absence.objects.create(
            user=user,
            deputy=deputy,
            starts_on=starts_on,
            ends_on=ends_on,
            comment=(comment or "").strip()[:300],
            created_by=acting_user if getattr(acting_user, "pk", None) else None,
            created_at=timezone.now(),
        )
    return absence


def do_cancel_absence(absence: Absence, *, acting_user: Any) -> Absence:
    if not may_manage_absence(acting_user, absence.user):
        raise ValidationError(
            "Отменить отсутствие может сам сотрудник, ответственный в его организации или координатор."
        )
    with transaction.atomic():
        fresh = Absence.objects.select_for_update().get(pk=absence.pk)
        if fresh.cancelled_at is not None:
            return fresh
        fresh.cancelled_at = timezone.now()
        fresh.save(update_fields=["cancelled_at"])
    return fresh
