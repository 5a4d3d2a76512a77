"""The security log: who signed in (or failed to), who got or lost which role.

Signal handlers here are connected by ``OpsConfig.ready``. The acting user of a change made
through a page is the request's user (``ops.context``); from a command or job it is empty.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from otklik.directory.models import Absence, Membership
from otklik.ops.context import client_ip, current_request, current_request_id, current_user
from otklik.ops.models import AuditEntry

log = logging.getLogger("otklik.audit")
User = get_user_model()


def record(
    kind: str,
    *,
    actor: Any = None,
    username: str = "",
    request: Any = None,
    **data: Any,
) -> Any:
    """Append one entry to the security log and mirror it to the JSON log."""
    request = request if request is not None else current_request()
    if actor is None:
        actor = current_user()
    if actor is not None and not getattr(actor, "pk", None):
        actor = None
    entry = AuditEntry.objects.create(
        created_at=timezone.now(),
        kind=kind,
        actor=actor,
        username=(username or (actor.get_username() if actor is not None else ""))[:150],
        ip=client_ip(request) if request is not None else None,
        request_id=current_request_id(),
        data=data,
    )
    log.info("audit %s %s", kind, entry.username, extra={"audit": kind, "username": entry.username, "data": data})
    return entry


@receiver(user_logged_in, dispatch_uid="ops_audit_login")
def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record("login", actor=user, request=request, method=getattr(request, "otklik_login_method", "password"))


@receiver(user_logged_out, dispatch_uid="ops_audit_logout")
def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("logout", actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="ops_audit_login_failed")
def _on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # ``credentials`` has the password scrubbed by Django; keep only the user name.
    record("login_failed", username=str(credentials.get("username", ""))[:150], request=request)


def _membership_snapshot(m: Any) -> dict[str, Any]:
    return {
        "membership_id": m.pk,
        "user_id": m.user_id,
        "user": str(m.user.get_username()) if m.user_id else "",
        "role": m.role,
        "organization_id": m.organization_id,
        "municipality_id": m.municipality_id,
    }


def _connect_membership() -> None:
    @receiver(pre_save, sender=Membership, dispatch_uid="ops_audit_membership_pre")
    def _before(sender: Any, instance: Any, **kwargs: Any) -> None:
        instance._ops_before = None
        if instance.pk and not kwargs.get("raw"):
            old = Membership.objects.filter(pk=instance.pk).first()
            instance._ops_before = _membership_snapshot(old) if old else None

    @receiver(post_save, sender=Membership, dispatch_uid="ops_audit_membership_post")
    def _after(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        if kwargs.get("raw"):
            return
        after = _membership_snapshot(instance)
        before = getattr(instance, "_ops_before", None)
        if created or before is None:
            record("membership_added", after=after)
        elif before != after:
            record("membership_changed", before=before, after=after)

    @receiver(post_delete, sender=Membership, dispatch_uid="ops_audit_membership_delete")
    def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
        record("membership_removed", before=_membership_snapshot(instance))

    # Absences (§7 deputies): marked and cancelled by directory.people's actions.
    @receiver(post_save, sender=Absence, dispatch_uid="ops_audit_absence")
    def _absence(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
        if kwargs.get("raw"):
            return
        if created:
            record(
                "absence_set", actor=instance.created_by, absence_id=instance.pk, user_id=instance.user_id,
                deputy_id=instance.deputy_id, starts_on=instance.starts_on.isoformat(),
                ends_on=instance.ends_on.isoformat(),
            )  # fmt: skip
        elif instance.cancelled_at is not None and update_fields and "cancelled_at" in update_fields:
            record("absence_cancelled", absence_id=instance.pk, user_id=instance.user_id)


_USER_FLAGS = ("is_active", "is_staff", "is_superuser")


@receiver(pre_save, sender=User, dispatch_uid="ops_audit_user_pre")
def _user_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance._ops_flags = None
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not set(update_fields) & set(_USER_FLAGS):
        return  # e.g. last_login on every sign-in
    if instance.pk and not kwargs.get("raw"):
        instance._ops_flags = User.objects.filter(pk=instance.pk).values(*_USER_FLAGS).first()


@receiver(post_save, sender=User, dispatch_uid="ops_audit_user_post")
def _user_after(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    after = {f: getattr(instance, f) for f in _USER_FLAGS}
    before = getattr(instance, "_ops_flags", None)
    if created:
        if instance.is_staff or instance.is_superuser:
            record("user_flags_changed", user_id=instance.pk, user=instance.get_username(), before={}, after=after)
    elif before is not None and before != after:
        record("user_flags_changed", user_id=instance.pk, user=instance.get_username(), before=before, after=after)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="ops_audit_user_groups")
@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="ops_audit_user_perms")
def _user_m2m(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear") or not isinstance(instance, User):
        return
    what = "groups" if sender is User.groups.through else "permissions"
    record(
        "user_perms_changed",
        user_id=instance.pk,
        user=instance.get_username(),
        field=what,
        action=action.removeprefix("post_"),
        ids=sorted(pk_set or []),
    )


_connect_membership()
