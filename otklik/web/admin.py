from __future__ import annotations

from django.contrib import admin

from otklik.web.models import AnswerTemplate


@admin.register(AnswerTemplate)
class AnswerTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "municipality", "is_active", "updated_at"]
    list_filter = ["municipality", "is_active", "topic"]
    search_fields = ["title", "text"]
    autocomplete_fields = ["topic"]
    readonly_fields = ["created_by", "updated_at"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
