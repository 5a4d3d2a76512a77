from __future__ import annotations

from django.contrib import admin

from otklik.triage.models import GazetteerEntry, TriageModel, TriageResult, TriageSettings


@admin.register(TriageSettings)
class TriageSettingsAdmin(admin.ModelAdmin):
    list_display = ["municipality", "auto_detect", "auto_route", "auto_flag_significant", "relevance_threshold"]
    list_filter = ["auto_detect", "auto_route", "auto_flag_significant"]


@admin.register(TriageResult)
class TriageResultAdmin(admin.ModelAdmin):
    list_display = ["post", "municipality", "relevant", "relevance", "topic_name", "significant", "computed_at"]
    list_filter = ["municipality", "relevant", "significant", "abuse_review"]
    search_fields = ["post__text", "topic_name"]
    raw_id_fields = ["post", "topic", "abuse_reviewed_by"]
    readonly_fields = ["computed_at", "model_version"]


@admin.register(TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    list_display = ["municipality", "kind", "version", "is_active", "n_train", "created_at"]
    list_filter = ["municipality", "kind", "is_active"]
    exclude = ["data"]
    readonly_fields = ["municipality", "kind", "version", "n_train", "metrics", "created_at"]


@admin.register(GazetteerEntry)
class GazetteerEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "department", "area", "municipality", "source"]
    list_filter = ["municipality", "kind", "source"]
    search_fields = ["name", "area"]
    raw_id_fields = ["department"]
