"""The bell: the list of my notifications, opening one, my channel settings and Telegram linking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from otklik.notify import services, telegram
from otklik.notify.models import Notification
from otklik.web.context_processors import NavItem


def bell(request: HttpRequest) -> list[NavItem]:
    """Nav item with the unread count (registered in NAV_PROVIDERS)."""
    return [NavItem("Уведомления", "/notifications/", services.unread_count(request.user), key="notifications")]


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = list(Notification.objects.filter(user_id=request.user.pk or 0)[:100])
    return render(request, "notify/list.html", {"items": items, "unread": sum(1 for n in items if n.read_at is None)})


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if notification.read_at is None:
        services.mark_read(request.user, [notification.pk])
    target = notification.url or "/notifications/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/notifications/"
    return redirect(target)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(request.user)
    return redirect("notifications")


@login_required
def notify_settings(request: HttpRequest) -> HttpResponse:
    prefs = services.settings_for(request.user)
    code = None
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "save":
            prefs.email_enabled = bool(request.POST.get("email_enabled"))
            prefs.telegram_enabled = bool(request.POST.get("telegram_enabled"))
            prefs.save(update_fields=["email_enabled", "telegram_enabled"])
            messages.success(request, "Настройки уведомлений сохранены.")
            return redirect("notify_settings")
        if action == "link":
            code = services.new_link_code(request.user)
        elif action == "unlink":
            services.unlink_telegram(request.user)
            messages.success(request, "Telegram отвязан.")
            return redirect("notify_settings")
    elif prefs.link_code and prefs.link_code_expires_at and prefs.link_code_expires_at > timezone.now():
        code = prefs.link_code
    return render(
        request,
        "notify/settings.html",
        {"prefs": prefs, "code": code, "telegram_available": telegram.is_configured()},
    )
