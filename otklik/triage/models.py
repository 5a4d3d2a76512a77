"""Triage results per post, per-municipality switches and thresholds, trained models."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.cases.models import Post
from otklik.directory.models import Municipality, Topic


class TriageSettings(models.Model):
    """A municipality's triage switches. Every automatic action is off by default."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="triage_settings")
    relevance_threshold = models.FloatField(_("порог «требует реакции»"), default=0.5)
    auto_detect = models.BooleanField(_("выявлять автоматически (п. 9.1)"), default=False)
    auto_detect_threshold = models.FloatField(_("порог автоматического выявления"), default=0.9)
    auto_route = models.BooleanField(_("направлять исполнителю автоматически (п. 9.2)"), default=False)
    auto_route_threshold = models.FloatField(_("порог уверенности для автоматического направления"), default=0.9)
    auto_flag_significant = models.BooleanField(_("отмечать социально значимые автоматически (п. 24)"), default=False)
    repeat_window_days = models.PositiveIntegerField(_("окно поиска повторных сообщений, дней"), default=30)
    repeat_min_similarity = models.FloatField(_("минимальное сходство повторного сообщения"), default=0.5)
    burst_window_minutes = models.PositiveIntegerField(_("окно всплеска, минут"), default=120)
    burst_threshold = models.PositiveIntegerField(_("сообщений для всплеска"), default=5)
    engagement_threshold = models.PositiveIntegerField(_("порог отклика аудитории"), default=100)
    topic_keywords = models.JSONField(
        _("ключевые слова тем"),
        default=dict,
        blank=True,
        help_text=_("Тема → слова через пробел; дополняют встроенный рубрикатор."),
    )
    abuse_overrides = models.JSONField(
        _("слова, отклонённые специалистами как не нарушающие п. 22"),
        default=dict,
        blank=True,
        help_text=_("Слово → сколько раз специалисты отклонили отметку; с двух раз слово не отмечается."),
    )
    gazetteer = models.JSONField(
        _("справочник мест"),
        default=dict,
        blank=True,
        help_text=_("Улица, посёлок или район → территория (для маршрутизации и всплесков)."),
    )

    class Meta:
        verbose_name = _("настройки разбора сообщений")
        verbose_name_plural = _("настройки разбора сообщений")

    def __str__(self) -> str:
        return str(self.municipality)

    ALLOW_AFTER_OVERRIDES = 2

    @property
    def abuse_allow(self) -> frozenset[str]:
        """Words specialists overrode at least twice (and did not confirm since)."""
        return frozenset(w for w, n in (self.abuse_overrides or {}).items() if n >= self.ALLOW_AFTER_OVERRIDES)

    @classmethod
    def for_municipality(cls, municipality: Municipality) -> TriageSettings:
        found = cls.objects.filter(municipality=municipality).first()
        return found or cls(municipality=municipality)  # unsaved defaults: nothing automatic


class TriageResult(models.Model):
    """What triage found in one post. Suggestions only: people decide."""

    class AbuseReview(models.TextChoices):
        NONE = "", _("не проверено")
        CONFIRMED = "confirmed", _("подтверждено специалистом")
        OVERRIDDEN = "overridden", _("отклонено специалистом")

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="triage")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField(_("рассчитано"))
    model_version = models.CharField(_("версия модели"), max_length=64)

    relevance = models.FloatField(_("релевантность"))
    relevant = models.BooleanField(_("требует реакции"))
    relevance_reasons = models.JSONField(default=list, blank=True)

    topic_name = models.CharField(_("тема"), max_length=200, blank=True)
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    topic_confidence = models.FloatField(default=0.0)
    topic_reasons = models.JSONField(default=list, blank=True)

    # [{"organization_id", "organization", "confidence", "reasons": [...]}], best first
    suggestions = models.JSONField(_("предлагаемые исполнители"), default=list, blank=True)

    abuse_categories = models.JSONField(_("нарушения п. 22"), default=list, blank=True)
    abuse_evidence = models.JSONField(default=list, blank=True)  # [{"category", "start", "end", "text"}]
    abuse_review = models.CharField(max_length=16, choices=AbuseReview.choices, blank=True, default="")
    abuse_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    abuse_reviewed_at = models.DateTimeField(null=True, blank=True)

    significant = models.BooleanField(_("социально значимое"), default=False)
    significance_reasons = models.JSONField(default=list, blank=True)

    repeat_candidates = models.JSONField(default=list, blank=True)  # [{"case", "similarity", "reason"}]
    answer_suggestions = models.JSONField(default=list, blank=True)  # [{"draft", "score", "text"}]
    areas = models.JSONField(default=list, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    auto_actions = models.JSONField(default=list, blank=True)  # what the system did with it

    class Meta:
        verbose_name = _("результат разбора")
        verbose_name_plural = _("результаты разбора")
        indexes = [models.Index(fields=["municipality", "computed_at"], name="triage_muni_time_idx")]

    def __str__(self) -> str:
        return f"triage of {self.post_id}"

    @property
    def top_suggestion(self) -> dict | None:
        return self.suggestions[0] if self.suggestions else None

    @property
    def abuse_labels(self) -> list[str]:
        """§22 categories as a person reads them («нецензурная брань», «оскорбление», «угроза»)."""
        from .abuse import CATEGORY_LABELS

        return [CATEGORY_LABELS.get(c, c) for c in self.abuse_categories or []]

    @property
    def abuse_evidence_shown(self) -> list[dict]:
        """Evidence spans with their category in Russian (``label``)."""
        from .abuse import CATEGORY_LABELS

        return [
            dict(e, label=CATEGORY_LABELS.get(e.get("category", ""), e.get("category", "")))
            for e in self.abuse_evidence or []
        ]


class TriageModel(models.Model):
    """A trained model of one municipality, versioned; the previous ones stay for rollback."""

    class Kind(models.TextChoices):
        ROUTING = "routing", _("маршрутизация")
        TOPIC = "topic", _("темы")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.PositiveIntegerField()
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    n_train = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    data = models.BinaryField()  # LinearModel.to_bytes(): npz with a JSON header, no pickle

    class Meta:
        verbose_name = _("модель разбора")
        verbose_name_plural = _("модели разбора")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "version"], name="triage_model_version"),
            models.UniqueConstraint(
                fields=["municipality", "kind"], condition=models.Q(is_active=True), name="triage_model_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.kind}/v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.kind}-v{self.version}"


class GazetteerEntry(models.Model):
    """A street, settlement or microdistrict of a municipality and the territorial
    department that serves it (routing by territory, bursts by area).

    Imported from a CSV file or an OpenStreetMap extract (``triage_gazetteer_import``)
    or entered in the admin.  Names match messages by lemmas, so «станица Незлобная»
    finds «в станице Незлобной», and «улица Калинина» finds «на Калинина 45».
    """

    class Kind(models.TextChoices):
        STREET = "street", _("улица")
        SETTLEMENT = "settlement", _("населённый пункт")
        MICRODISTRICT = "microdistrict", _("микрорайон")
        DISTRICT = "district", _("район, территория")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("название"), max_length=200)
    kind = models.CharField(_("вид"), max_length=16, choices=Kind.choices, default=Kind.STREET)
    department = models.ForeignKey(
        "directory.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("территориальное управление"),
        limit_choices_to={"kind": "territorial"},
    )
    area = models.CharField(
        _("территория"),
        max_length=200,
        blank=True,
        help_text=_("Название территории для подсказок; по умолчанию — краткое наименование управления."),
    )
    source = models.CharField(_("источник"), max_length=16, blank=True, default="")  # csv / osm / admin
    osm_id = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        verbose_name = _("место справочника")
        verbose_name_plural = _("справочник мест")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "name"], name="triage_gazetteer_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"

    @property
    def area_label(self) -> str:
        if self.area:
            return self.area
        return self.department.short_name if self.department else ""
