"""Admin: failed and waiting deliveries are visible here, with a "retry now" action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages

from otklik.notify import services
from otklik.notify.models import Delivery, Notification, NotifySettings


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "status", "channel", "address", "attempts", "next_attempt_at", "last_error", "title")
    list_filter = ("status", "channel")
    search_fields = ("address", "notification__title", "last_error")
    list_select_related = ("notification",)
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    @admin.display(description="Уведомление")
    def title(self, obj: Delivery) -> str:
        return obj.notification.title

    @admin.action(description="Повторить отправку сейчас")
    def retry(self, request: Any, queryset: Any) -> None:
        count = services.retry_now(queryset)
        self.message_user(request, f"Поставлено в очередь: {count}.", messages.SUCCESS)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "urgent", "read_at")
    list_filter = ("kind", "urgent")
    search_fields = ("title", "user__username")
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(NotifySettings)
class NotifySettingsAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "telegram_enabled", "telegram_chat_id", "telegram_linked_at")
    search_fields = ("user__username",)
    exclude = ("link_code", "link_code_expires_at")
