from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from otklik.accounts import throttle
from otklik.ops.audit import record
from otklik.ops.models import AuditEntry, LoginLock, RetentionPolicy, StoredFile, TOTPDevice


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "username", "actor", "ip", "request_id"]
    list_filter = ["kind"]
    search_fields = ["username", "ip", "request_id"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "kind", "actor", "username", "ip", "request_id", "data"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LoginLock)
class LoginLockAdmin(admin.ModelAdmin):
    list_display = ["username", "failures", "last_failure_at", "locked_until"]
    search_fields = ["username"]
    readonly_fields = ["username", "failures", "last_failure_at", "locked_until"]
    actions = ["unlock"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Разблокировать вход"))
    def unlock(self, request: HttpRequest, queryset: Any) -> None:
        for lock in queryset:
            throttle.unlock(lock.username)
            record("unlocked", username=lock.username, request=request)
        messages.success(request, _("Разблокировано."))


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Only removal (a lost phone): the administrator cannot see or set a secret."""

    list_display = ["user", "confirmed_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "confirmed_at"]
    exclude = ["last_used_step"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record("totp_disabled", username=obj.user.get_username(), request=request, by_admin=True)
        super().delete_model(request, obj)


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["municipality", "anonymise_after_months", "is_active"]
    list_filter = ["is_active"]


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    """Uploaded files, read-only: which case each belongs to, who uploaded it, what it is."""

    list_display = ["uploaded_at", "display_name", "content_type", "size", "case", "uploaded_by"]
    list_filter = ["content_type"]
    search_fields = ["display_name", "name", "sha256", "case__id"]
    date_hierarchy = "uploaded_at"
    list_select_related = ["case", "uploaded_by"]
    readonly_fields = ["name", "case", "uploaded_by", "uploaded_at", "display_name", "content_type", "size", "sha256"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
