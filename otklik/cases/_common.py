"""Shared machinery of the actions: locking, rights, the audit record, saving the case.

Private to ``otklik.cases``: other code calls the actions in ``otklik/cases/actions.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from otklik.cases import deadlines
from otklik.cases.access import OUTSTANDING_CO, has_right, is_visible
from otklik.cases.errors import ActionForbidden, CaseChanged, InvalidTransition, NotVisible, ValidationFailed
from otklik.cases.events import publish
from otklik.cases.models import Assignment, Case, CaseEvent, CaseOrganization, Deadline
from otklik.cases.workflow import CLOSED_STATUSES, Status, can_transition, check_transition
from otklik.files.attachments import storage_path, stored_name
from otklik.regulation.stages import Stage

CHANGED_MESSAGE = "Обращение уже изменено другим пользователем. Обновите страницу и повторите действие."
MAX_TEXT = 20_000


def now() -> dt.datetime:
    # Looked up on every call so tests can patch ``django.utils.timezone.now``.
    return timezone.now()


def lock_case(case: Case | int, *, expected_version: int | None = None) -> Case:
    """Lock the case row for the rest of the transaction and return its fresh state."""
    pk = case if isinstance(case, int) else case.pk
    if pk is None:
        raise ValidationFailed("Обращение не сохранено.")
    try:
        locked = Case.objects.select_for_update().get(pk=pk)
    except Case.DoesNotExist:
        raise NotVisible("Обращение не найдено.") from None
    if expected_version is not None and locked.version != expected_version:
        raise CaseChanged(CHANGED_MESSAGE)
    return locked


def seen_version(case: Case | None) -> int | None:
    return getattr(case, "version", None) if isinstance(case, Case) else None


def stale_or(condition_ok: bool, *, seen: int | None, locked: Case, message: str) -> None:
    """Refuse: CaseChanged if the caller looked at an older version, else InvalidTransition."""
    if condition_ok:
        return
    if seen is not None and seen != locked.version:
        raise CaseChanged(CHANGED_MESSAGE)
    raise InvalidTransition(message)


def refuse_unless(ok: bool, *, looked_possible: bool, message: str) -> None:
    """For actions on a draft, assignment or publication: CaseChanged when the caller's copy
    still allowed the step (somebody else acted first), InvalidTransition when it never did."""
    if ok:
        return
    if looked_possible:
        raise CaseChanged(CHANGED_MESSAGE)
    raise InvalidTransition(message)


def move(case: Case, target: Status, *, seen: int | None) -> str:
    """Check the table and set the new status; return the status before."""
    before = case.status
    if not can_transition(before, target):
        if seen is not None and seen != case.version:
            raise CaseChanged(CHANGED_MESSAGE)
        check_transition(before, target)
    case.status = target
    return before


def require(user: Any, case: Case, action: str, *, assignment: Assignment | None = None) -> None:
    """Every action refuses a user without the right. ``None`` is the system and may act."""
    if user is None:
        return
    if not getattr(user, "is_authenticated", False):
        raise ActionForbidden("Войдите в систему, чтобы выполнить действие.")
    if not is_visible(user, case):
        raise NotVisible("Обращение не найдено.")
    if not has_right(user, case, action, assignment=assignment):
        if case.status in CLOSED_STATUSES:
            # Closing a case ends the executors' assignments; the state is the clearer reason.
            raise InvalidTransition(f"Обращение в статусе «{Status(case.status).label}»: действия с ним недоступны.")
        if assignment is not None and has_right(user, case, action):
            raise ActionForbidden("Это назначение другой организации: действовать по нему нельзя.")
        raise ActionForbidden("Недостаточно прав для этого действия с обращением.")


def required_text(value: Any, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationFailed(f"Укажите {what}.")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"Слишком длинный текст ({len(text)} знаков, не более {MAX_TEXT}).")
    return text


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def valid_url(value: Any, what: str = "ссылка") -> str:
    url = value.strip() if isinstance(value, str) else ""
    if not url or not _URL.match(url) or len(url) > 1000:
        raise ValidationFailed(f"Некорректная {what}: нужен адрес вида https://…")
    return url


def _stored_file(item: dict[str, Any]) -> dict[str, Any] | None:
    """An uploaded file's dict kept whole (publishing reads ``path``); else None.

    Only dicts built by the pages from the case's own stored files carry a matching ``path``;
    the API's attachment schema has no such field, so it can only link to http(s) URLs.
    """
    name = stored_name(item.get("url"))
    if name is None or item.get("path") != storage_path(name):
        return None
    keep = ("type", "url", "path", "name", "content_type", "size", "sha256")
    return {k: item[k] for k in keep if k in item}


def attachments_list(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Attachments as stored JSON: ``[{"type", "url", "name"}]`` from dataclasses or dicts.

    Uploaded files (see :func:`_stored_file`) keep their storage path and metadata too.
    """
    out: list[dict[str, Any]] = []
    for item in items or ():
        if isinstance(item, dict) and (stored := _stored_file(item)) is not None:
            out.append(stored)
            continue
        if isinstance(item, dict):
            kind, url, name = item.get("type", "other"), item.get("url", ""), item.get("name", "")
        else:
            kind, url, name = getattr(item, "type", "other"), getattr(item, "url", ""), getattr(item, "name", "")
        url = valid_url(url, "ссылка на вложение")
        out.append({"type": str(kind or "other")[:16], "url": url, "name": str(name or "")[:300]})
    return out


def actor_of(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


def record(case: Case, event: str, actor: Any, /, *, before: str | None, at: dt.datetime, **data: Any) -> CaseEvent:
    """Append the audit event. ``before``/``after`` are the case status around the action."""
    payload = {"before": before, "after": case.status, **data}
    return CaseEvent.objects.create(case=case, actor=actor_of(actor), kind=event, data=payload, created_at=at)


def finish(case: Case, fields: Iterable[str]) -> Case:
    """Bump the version, refresh the nearest deadline and save only what changed."""
    case.version += 1
    case.next_due_at = deadlines.next_due(case)
    case.save(update_fields=sorted({*fields, "version", "next_due_at", "updated_at"}))
    # The organizations' copy, written only where it differs (most actions keep the nearest deadline).
    CaseOrganization.objects.filter(case=case).exclude(next_due_at=case.next_due_at).update(
        next_due_at=case.next_due_at
    )
    return case


def emit(event: str, case: Case, actor: Any, /, **ids: Any) -> None:
    publish(event, {"case_id": case.pk, **ids, "actor_id": getattr(actor, "pk", None)})


def main_assignment(case: Case) -> Assignment | None:
    return (
        Assignment.objects.select_for_update()
        .filter(case=case, is_active=True, role__in=(Assignment.Role.SOLE, Assignment.Role.LEAD))
        .first()
    )


def administration_id(case: Case) -> int | None:
    admin = case.municipality.administration()
    return admin.pk if admin else None


def lock_assignment(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_for_update().get(pk=assignment.pk)


def start_lead_draft_if_ready(case: Case, t: Any) -> Deadline | None:
    """§18: once no co-executor part is outstanding, the lead's §11 draft clock starts (once)."""
    active = list(Assignment.objects.filter(case=case, is_active=True))
    lead = next((a for a in active if a.role == Assignment.Role.LEAD), None)
    if lead is None:
        return None
    if any(a.role == Assignment.Role.CO and a.status in OUTSTANDING_CO for a in active):
        return None
    if Deadline.objects.filter(case=case, stage=Stage.DRAFT, assignment=lead).exists():
        return None
    return deadlines.open_deadline(case, Stage.DRAFT, started_at=t, assignment=lead)
