"""Admin (Russian): schedules with their intervals, calendar overrides, regulation profiles."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from otklik.regulation.models import CalendarOverride, RegulationProfile, StageLimit, WorkInterval, WorkSchedule
from otklik.regulation.services import activate_profile
from otklik.worktime import ScheduleError, normalize_schedule


class WorkIntervalFormSet(BaseInlineFormSet):
    """Checks the whole week at once: overlapping intervals and an empty schedule."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        week: dict[int, list[tuple[Any, Any]]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            week.setdefault(data["weekday"], []).append((data["start"], data["end"]))
        if not week:
            raise ValidationError(_("В графике нет ни одного рабочего интервала."))
        try:
            normalize_schedule(week)
        except ScheduleError as exc:
            raise ValidationError(str(exc)) from None


class WorkIntervalInline(admin.TabularInline):
    model = WorkInterval
    formset = WorkIntervalFormSet
    extra = 0
    fields = ["weekday", "start", "end"]


@admin.register(WorkSchedule)
class WorkScheduleAdmin(admin.ModelAdmin):
    list_display = ["municipality", "comment", "updated_at"]
    search_fields = ["municipality__name"]
    inlines = [WorkIntervalInline]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "municipality", "comment"]
    list_filter = ["municipality", "kind"]
    date_hierarchy = "date"
    search_fields = ["comment"]


class StageLimitInline(admin.TabularInline):
    model = StageLimit
    extra = 0
    fields = ["stage", "limit_value", "limit_unit", "point", "warn_percent"]


@admin.register(RegulationProfile)
class RegulationProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "is_active", "updated_at"]
    list_filter = ["municipality", "is_active"]
    search_fields = ["name", "source"]
    inlines = [StageLimitInline]
    actions = ["make_active"]

    @admin.action(description=_("Сделать действующим"))
    def make_active(self, request: Any, queryset: Any) -> None:
        profiles = list(queryset)
        if len({p.municipality_id for p in profiles}) != len(profiles):
            self.message_user(request, _("Выберите не больше одного профиля на муниципалитет."), level=messages.ERROR)
            return
        for profile in profiles:
            activate_profile(profile)
        self.message_user(
            request,
            _(
                "Профиль сделан действующим. Уже идущие сроки не пересчитываются: новый профиль применяется к новым этапам."
            ),
        )
