from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from otklik.directory.models import Membership, Municipality, OfficialAccount, Organization, Topic


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "is_active"]
    list_filter = ["is_active", "timezone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "municipality", "is_active"]
    list_filter = ["municipality", "group", "is_active"]
    search_fields = ["name", "group"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["short_name", "kind", "parent", "municipality", "is_active"]
    list_filter = ["municipality", "kind", "is_active"]
    search_fields = ["name", "short_name", "competence_keywords"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["competence_topics"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organization", "municipality"]
    list_filter = ["role", "municipality"]
    search_fields = ["user__username", "user__last_name", "organization__short_name"]
    autocomplete_fields = ["user", "organization"]


class OfficialAccountForm(forms.ModelForm):
    """Credentials are write-only: the form never renders the stored secret back."""

    new_credentials = forms.CharField(
        label=_("Новые учётные данные (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_(
            'ВКонтакте: {"community_token": "...", "service_token": "...", "user_token": "..."}; '
            'Telegram: {"bot_token": "...", "discussion_chat_id": -100...}; '
            'MAX: {"bot_token": "...", "mode": "polling"} или {"bot_token": "...", "mode": "webhook", '
            '"webhook_secret": "..."}. Как получить ключи — docs/guide/admin-sources.md. '
            "Сохранённые данные не показываются; оставьте пустым, чтобы не менять."
        ),
    )

    class Meta:
        model = OfficialAccount
        fields = ["organization", "network", "name", "url", "external_id", "is_public", "is_active"]

    def clean_new_credentials(self) -> dict[str, Any] | None:
        raw = self.cleaned_data.get("new_credentials", "").strip()
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Не JSON: %(err)s") % {"err": exc.msg}) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("Ожидается JSON-объект."))
        return data

    def save(self, commit: bool = True) -> OfficialAccount:
        account = super().save(commit=False)
        creds = self.cleaned_data.get("new_credentials")
        if creds is not None:
            account.set_credentials(creds)
        if commit:
            account.save()
        return account


@admin.register(OfficialAccount)
class OfficialAccountAdmin(admin.ModelAdmin):
    form = OfficialAccountForm
    list_display = ["name", "network", "organization", "url", "is_public", "is_active", "has_credentials"]
    list_filter = ["network", "is_public", "is_active", "organization__municipality"]
    search_fields = ["name", "url", "external_id", "organization__short_name"]
    autocomplete_fields = ["organization"]

    @admin.display(boolean=True, description=_("учётные данные заданы"))
    def has_credentials(self, obj: OfficialAccount) -> bool:
        return obj.has_credentials
