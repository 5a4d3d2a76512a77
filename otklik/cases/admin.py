"""Admin: read-only views of cases and their audit trail (no add, change or delete path)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from otklik.cases.models import Case, CaseEvent, Deadline


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: Any) -> dict:
        return {}


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "case", "kind", "actor")
    list_filter = ("kind",)
    search_fields = ("case__id", "kind")
    list_select_related = ("case", "actor")
    date_hierarchy = "created_at"


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ("case", "stage", "point", "organization", "started_at", "due_at", "closed_at", "outcome")
    list_filter = ("stage", "outcome")
    list_select_related = ("case", "organization")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "municipality", "status", "created_at", "next_due_at", "is_significant")
    list_filter = ("status", "municipality", "is_significant")
    list_select_related = ("municipality",)
