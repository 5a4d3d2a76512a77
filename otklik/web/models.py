"""Answer templates: approved phrasings the executor inserts and edits (§20)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Municipality, Topic


class AnswerTemplate(models.Model):
    """A short, complete, social-network-style answer a specialist approved for reuse."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="answer_templates", verbose_name=_("муниципалитет")
    )
    topic = models.ForeignKey(
        Topic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answer_templates",
        verbose_name=_("тема"),
        help_text=_("Пусто — подходит для любой темы."),
    )
    title = models.CharField(_("название"), max_length=200)
    text = models.TextField(
        _("текст"),
        help_text=_("Пишите как в соцсети: по существу, полно, без канцелярита (п. 20 регламента)."),
    )
    is_active = models.BooleanField(_("действует"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("шаблон ответа")
        verbose_name_plural = _("шаблоны ответов")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "title"], name="answer_template_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title
