"""The archive of §23 monthly reports: what was sent to the Head, frozen as it was sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Municipality


class MonthlyReport(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="monthly_reports")
    month = models.DateField(_("месяц"), help_text=_("Первое число месяца отчёта."))
    generated_at = models.DateTimeField(_("сформирован"))
    data = models.JSONField(_("содержание"))
    # The document's header and signature block as they were when it was made: a reprint from the
    # archive names the same administration and official even after people change.
    letterhead = models.JSONField(_("реквизиты документа"), default=dict, blank=True)
    violations = models.PositiveIntegerField(_("нарушений"), default=0)
    # §23 «не позднее 5 числа»: made on the 1st, the coordinator comments and signs, then it goes to
    # the Head; on the 5th it goes unsigned, marked so (``sent_automatically``).
    comment = models.TextField(_("комментарий координатора"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("подписал"),
    )  # fmt: skip
    signed_at = models.DateTimeField(_("подписан"), null=True, blank=True)
    sent_automatically = models.BooleanField(_("направлен автоматически"), default=False)
    sent_at = models.DateTimeField(_("направлен Главе"), null=True, blank=True)

    class Meta:
        verbose_name = _("отчёт о нарушениях (п. 23)")
        verbose_name_plural = _("отчёты о нарушениях (п. 23)")
        ordering = ["-month", "municipality"]
        constraints = [models.UniqueConstraint(fields=["municipality", "month"], name="monthly_report_unique")]

    def __str__(self) -> str:
        return f"{self.municipality} — {self.month:%Y-%m}"

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"


class ReportDocument(models.Model):
    """A §23 PDF made by the worker, never in a request: the page asks for it, the worker builds
    it step by step (``progress``), the page shows how far it got and then hands it out. A document
    of an archived month is made once and served again; a live one is made as of its request."""

    class State(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        RUNNING = "running", _("формируется")
        READY = "ready", _("готов")
        FAILED = "failed", _("ошибка")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("месяц"))
    archive = models.ForeignKey(
        MonthlyReport, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("запрошен"))
    state = models.CharField(_("состояние"), max_length=16, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("готовность, %"), default=0)
    step = models.CharField(_("шаг"), max_length=100, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("документ отчёта (п. 23)")
        verbose_name_plural = _("документы отчётов (п. 23)")
        indexes = [models.Index(fields=["archive", "state"], name="report_document_archive_idx")]

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"
