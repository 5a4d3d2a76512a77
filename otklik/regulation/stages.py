"""Stage codes of the regulation (DESIGN.md "Stages") and the default profile's limits."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.worktime import DurationUnit


class Stage(models.TextChoices):
    ROUTE = "route", _("Направление исполнителю")
    RETURN_WINDOW = "return_window", _("Возврат не по компетенции")
    DRAFT = "draft", _("Подготовка проекта ответа")
    REVIEW = "review", _("Согласование проекта ответа")
    REVISE = "revise", _("Доработка проекта ответа")
    PUBLISH_TOTAL = "publish_total", _("Размещение ответа")
    FINAL_AFTER_INTERMEDIATE = "final_after_intermediate", _("Окончательный ответ после промежуточного")
    COEXEC_INFO = "coexec_info", _("Информация соисполнителя")
    COEXEC_REVIEW = "coexec_review", _("Согласование информации соисполнителя")
    COEXEC_REVISE = "coexec_revise", _("Доработка информации соисполнителя")


class AbuseCategory(models.TextChoices):
    """§22: what makes a message not processed — the one home of the codes and their Russian names."""

    OBSCENITY = "obscenity", _("обсценная лексика")
    INSULT = "insult", _("оскорбление")
    THREAT = "threat", _("угроза")


def abuse_label(code: str) -> str:
    """The Russian name of a §22 category (the code itself if unknown)."""
    try:
        return str(AbuseCategory(code).label)
    except ValueError:
        return code


# What the person whose clock runs has to do (a deadline's badge on the pages).
TASK_LABELS: dict[str, str] = {
    Stage.ROUTE: "Направить исполнителю",
    Stage.RETURN_WINDOW: "Срок на возврат",
    Stage.DRAFT: "Подготовить проект ответа",
    Stage.REVIEW: "Согласовать проект",
    Stage.REVISE: "Доработать проект",
    Stage.PUBLISH_TOTAL: "Разместить ответ",
    Stage.FINAL_AFTER_INTERMEDIATE: "Окончательный ответ",
    Stage.COEXEC_INFO: "Информация соисполнителя",
    Stage.COEXEC_REVIEW: "Согласовать информацию соисполнителя",
    Stage.COEXEC_REVISE: "Доработать информацию соисполнителя",
}


def stage_label(stage: str) -> str:
    """The stage's name («Согласование проекта ответа»); an unknown code as it is."""
    return str(Stage(stage).label) if stage in Stage.values else stage


def stage_with_point(stage: str) -> str:
    """«согласование проекта ответа (пп. 12, 13)»: the name in a sentence, with the default point."""
    name = stage_label(stage)
    limits = DEFAULT_LIMITS.get(stage)
    if limits is None:
        return name
    point = limits[2]
    return f"{name[:1].lower()}{name[1:]} ({'пп.' if ',' in point else 'п.'} {point})"


class LimitUnit(models.TextChoices):
    """The unit of a limit; the values are those of :class:`otklik.worktime.DurationUnit`."""

    WORKING_MINUTES = DurationUnit.WORKING_MINUTES.value, _("рабочих минут")
    WORKING_DAYS = DurationUnit.WORKING_DAYS.value, _("рабочих дней")
    CALENDAR_MINUTES = DurationUnit.CALENDAR_MINUTES.value, _("календарных минут")


DEFAULT_WARN_PERCENT = 75

# Georgievsk, постановление администрации от 23.01.2023 № 132: stage -> (value, unit, point).
DEFAULT_LIMITS: dict[str, tuple[int, str, str]] = {
    Stage.ROUTE: (60, LimitUnit.WORKING_MINUTES, "9.2"),
    Stage.RETURN_WINDOW: (30, LimitUnit.WORKING_MINUTES, "10"),
    Stage.DRAFT: (60, LimitUnit.WORKING_MINUTES, "11"),
    Stage.REVIEW: (30, LimitUnit.WORKING_MINUTES, "12, 13"),
    Stage.REVISE: (30, LimitUnit.WORKING_MINUTES, "14"),
    Stage.PUBLISH_TOTAL: (240, LimitUnit.WORKING_MINUTES, "16"),
    Stage.FINAL_AFTER_INTERMEDIATE: (7, LimitUnit.WORKING_DAYS, "15"),
    Stage.COEXEC_INFO: (120, LimitUnit.WORKING_MINUTES, "18"),
    Stage.COEXEC_REVIEW: (30, LimitUnit.WORKING_MINUTES, "18"),
    Stage.COEXEC_REVISE: (30, LimitUnit.WORKING_MINUTES, "18"),
}

DEFAULT_PROFILE_NAME = "Типовой (Георгиевск, постановление от 23.01.2023 № 132)"
DEFAULT_PROFILE_SOURCE = (
    "Постановление администрации Георгиевского городского округа Ставропольского края от 23 января 2023 г. № 132"
)
