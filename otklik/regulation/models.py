"""Per-municipality working schedule, local calendar overrides and regulation profiles."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Municipality
from otklik.regulation.stages import DEFAULT_WARN_PERCENT, LimitUnit, Stage


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("понедельник")
    TUESDAY = 1, _("вторник")
    WEDNESDAY = 2, _("среда")
    THURSDAY = 3, _("четверг")
    FRIDAY = 4, _("пятница")
    SATURDAY = 5, _("суббота")
    SUNDAY = 6, _("воскресенье")


class WorkSchedule(models.Model):
    """The weekly schedule of a municipality; without one the default (Mon–Fri 9–13, 14–18) applies."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="work_schedule", verbose_name=_("муниципалитет")
    )
    comment = models.CharField(_("основание"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("график работы")
        verbose_name_plural = _("графики работы")

    def __str__(self) -> str:
        return str(_("График работы: %(m)s") % {"m": self.municipality})


class WorkInterval(models.Model):
    schedule = models.ForeignKey(WorkSchedule, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("день недели"), choices=Weekday.choices)
    start = models.TimeField(_("начало"))
    end = models.TimeField(_("окончание"))

    class Meta:
        verbose_name = _("рабочий интервал")
        verbose_name_plural = _("рабочие интервалы")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="regulation_interval_ends_after_start",
                violation_error_message=_("Интервал должен заканчиваться позже, чем начинается."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError(
                {
                    "end": _("Интервал %(start)s–%(end)s заканчивается не позже, чем начинается.")
                    % {"start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}"}
                }
            )


class CalendarOverride(models.Model):
    """A local day on top of the production calendar: a regional holiday, an extra day off, …"""

    class Kind(models.TextChoices):
        NONWORKING = "nonworking", _("нерабочий день")
        WORKING = "working", _("рабочий день")
        SHORTENED = "shortened", _("сокращённый день (на 1 час)")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="calendar_overrides", verbose_name=_("муниципалитет")
    )
    date = models.DateField(_("дата"))
    kind = models.CharField(_("вид дня"), max_length=16, choices=Kind.choices)
    comment = models.CharField(_("основание"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("исключение календаря")
        verbose_name_plural = _("исключения календаря")
        ordering = ["municipality", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "date"],
                name="regulation_one_override_per_day",
                violation_error_message=_("Для этого дня уже задано исключение."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {self.get_kind_display()}"


class RegulationProfile(models.Model):
    """Time limits of the regulation for one municipality; exactly one is active."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="regulation_profiles", verbose_name=_("муниципалитет")
    )
    name = models.CharField(_("название"), max_length=200)
    source = models.CharField(_("нормативный акт"), max_length=500, blank=True)
    is_active = models.BooleanField(_("действующий"), default=False)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("профиль регламента")
        verbose_name_plural = _("профили регламента")
        ordering = ["municipality", "-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(is_active=True),
                name="regulation_one_active_profile",
                violation_error_message=_(
                    "У муниципалитета уже есть действующий профиль регламента. "
                    "Сделайте этот профиль действующим действием «Сделать действующим» в списке профилей."
                ),
            )
        ]

    def __str__(self) -> str:
        return self.name


class StageLimit(models.Model):
    profile = models.ForeignKey(RegulationProfile, on_delete=models.CASCADE, related_name="limits")
    stage = models.CharField(_("этап"), max_length=32, choices=Stage.choices)
    limit_value = models.PositiveIntegerField(_("срок"))
    limit_unit = models.CharField(_("единица"), max_length=20, choices=LimitUnit.choices)
    point = models.CharField(_("пункт регламента"), max_length=32, blank=True)
    warn_percent = models.PositiveSmallIntegerField(
        _("предупреждать при, %"),
        default=DEFAULT_WARN_PERCENT,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Доля срока, после которой ответственные получают предупреждение."),
    )

    class Meta:
        verbose_name = _("срок этапа")
        verbose_name_plural = _("сроки этапов")
        ordering = ["profile", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "stage"],
                name="regulation_one_limit_per_stage",
                violation_error_message=_("Срок для этого этапа в профиле уже задан."),
            ),
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=100),
                name="regulation_warn_percent_range",
                violation_error_message=_("Порог предупреждения — от 1 до 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.limit_value} {self.get_limit_unit_display()}"
