from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from otklik.api.models import ApiToken, ServicePermission, ServiceToken, hash_token, new_secret


@admin.action(description=_("Отозвать выбранные токены"))
def revoke_tokens(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    messages.success(request, _("Отозвано токенов: %(n)d") % {"n": count})


class TokenAdminBase(admin.ModelAdmin):
    readonly_fields = ["hint", "created_at", "last_used_at"]
    actions = [revoke_tokens]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            # The raw token exists only here: shown once, stored hashed.
            raw = new_secret(obj.PREFIX)
            obj.token_hash = hash_token(raw)
            obj.hint = raw[: len(obj.PREFIX) + 6]
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                _("Токен создан. Скопируйте его сейчас — больше он показан не будет: %(token)s") % {"token": raw},
            )
            return
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(TokenAdminBase):
    list_display = ["name", "user", "hint", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "hint"]
    autocomplete_fields = ["user"]


class ServiceTokenForm(forms.ModelForm):
    permissions = forms.MultipleChoiceField(
        label=_("Права"), choices=ServicePermission.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ServiceToken
        fields = ["name", "municipality", "permissions", "expires_at", "revoked_at"]


@admin.register(ServiceToken)
class ServiceTokenAdmin(TokenAdminBase):
    form = ServiceTokenForm
    list_display = [
        "name",
        "municipality",
        "permissions",
        "hint",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["municipality", "revoked_at"]
    search_fields = ["name", "hint"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
