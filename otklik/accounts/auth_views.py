"""Sign-in with throttling, lockout and an optional second factor (TOTP).

``/login/`` is routed here (``otklik/urls.py``, before the pages' URLs); the page template
is the pages' ``registration/login.html``.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from otklik.accounts import throttle, totp
from otklik.directory.models import Role
from otklik.ops.audit import record
from otklik.ops.context import client_ip
from otklik.ops.models import TOTPDevice

PENDING_KEY = "otklik_2fa_pending"
PENDING_MAX_AGE = 300  # seconds between the password and the code


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Неверное имя пользователя или пароль.",
        "inactive": "Учётная запись отключена.",
        "locked": (
            "Вход временно заблокирован после нескольких неудачных попыток. "
            "Повторите через %(minutes)s мин. или обратитесь к администратору."
        ),
        "throttled": "Слишком много неудачных попыток входа с вашего адреса. Повторите через %(minutes)s мин.",
    }

    throttled = False

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        # Counted before the password is checked (issue 19 item 10): parallel guesses are
        # numbered one by one, and only those within the limit reach the password check.
        try:
            attempt = throttle.begin(username, client_ip(self.request))
        except throttle.Refused as refused:
            if refused.code == "throttled":
                self.throttled = True
                record("login_throttled", username=username, request=self.request)
            else:
                record("login_locked", username=username, request=self.request, reason="attempt while locked")
            raise ValidationError(
                self.error_messages[refused.code], code=refused.code, params={"minutes": throttle.minutes(refused.wait)}
            ) from None
        try:
            cleaned = super().clean()
        except ValidationError:
            if attempt.failed():
                record("login_locked", username=username, request=self.request)
                wait = throttle.locked_for(username)
                raise ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={"minutes": throttle.minutes(wait) if wait else 1},
                ) from None
            raise
        attempt.succeeded()
        return cleaned


class OtklikLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    authentication_form = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if totp.confirmed_device(user) is None:
            return super().form_valid(form)
        # Password is right; the session is not signed in until the code is checked.
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
            "next": self.get_success_url(),
        }
        return redirect("login_totp")


class TOTPForm(forms.Form):
    # Six digits from the app, or a recovery code (XXXX-XXXX-XXXX).
    code = forms.CharField(label="Код из приложения или резервный код", max_length=32)


@never_cache
@csrf_protect
@sensitive_post_parameters("code")
def login_totp(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending or int(time.time()) - int(pending.get("at", 0)) > PENDING_MAX_AGE:
        request.session.pop(PENDING_KEY, None)
        return redirect(settings.LOGIN_URL)
    user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    device = totp.confirmed_device(user)
    if user is None or device is None:
        request.session.pop(PENDING_KEY, None)
        return redirect(settings.LOGIN_URL)
    form = TOTPForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            attempt = throttle.begin(user.get_username(), client_ip(request))  # counted before the code is checked
        except throttle.Refused as refused:
            attempt = None
            wait = refused.wait
        if attempt is None:
            request.session.pop(PENDING_KEY, None)
            error = (
                "Вход временно заблокирован после нескольких неудачных попыток. "
                f"Повторите через {throttle.minutes(wait)} мин."
            )
            status = 403
        elif factor := totp.verify_second_factor(device, form.cleaned_data["code"]):
            del request.session[PENDING_KEY]
            attempt.succeeded()
            request.otklik_login_method = "password+totp" if factor == "totp" else "password+recovery_code"  # type: ignore[attr-defined]
            auth_login(request, user, backend=pending["backend"])
            if factor == "recovery":
                left = totp.recovery_codes_left(device)
                record("totp_recovery_used", actor=user, request=request, left=left)
                messages.warning(
                    request,
                    f"Вы вошли по резервному коду; он больше не действует. Осталось кодов: {left}. "
                    "Сформируйте новые в разделе «Двухфакторная аутентификация».",
                )
            target = pending.get("next") or settings.LOGIN_REDIRECT_URL
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = settings.LOGIN_REDIRECT_URL
            return HttpResponseRedirect(target)
        else:
            record("totp_failed", username=user.get_username(), request=request)
            if attempt.failed():
                record("login_locked", username=user.get_username(), request=request, reason="totp")
            error = (
                "Неверный или уже использованный код. Проверьте время на телефоне и введите новый код "
                "или один из резервных кодов."
            )
            status = 400
    return render(request, "accounts/login_totp.html", {"form": form, "error": error}, status=status)


@never_cache
@login_required
@sensitive_post_parameters("code")
def totp_settings(request: HttpRequest) -> HttpResponse:
    """Turn the second factor on (QR code or key, confirm with a code) or off; recovery codes.

    Recovery codes are shown once, in the answer to the request that made them (turning the
    factor on, or «new codes»), and never stored or shown again in clear.
    """
    user: Any = request.user
    device = TOTPDevice.objects.filter(user=user).first()
    error = ""
    done = request.GET.get("done", "")
    new_codes: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        code = request.POST.get("code", "")
        if action == "confirm" and device is not None and device.confirmed_at is None:
            if totp.confirm(device, code):
                record("totp_enabled", actor=user, request=request)
                done = "on"
                new_codes = totp.new_recovery_codes(device)
                record("totp_recovery_new", actor=user, request=request)
            else:
                error = "Код не подошёл. Проверьте, что ключ введён верно и время на телефоне точное."
        elif action == "disable" and device is not None and device.confirmed_at is not None:
            if totp.verify_second_factor(device, code):
                device.delete()
                record("totp_disabled", actor=user, request=request)
                return redirect(request.path + "?" + urlencode({"done": "off"}))
            error = "Код не подошёл: двухфакторная аутентификация осталась включённой."
        elif action == "recovery" and device is not None and device.confirmed_at is not None:
            if totp.verify_second_factor(device, code):
                new_codes = totp.new_recovery_codes(device)
                record("totp_recovery_new", actor=user, request=request)
            else:
                error = "Код не подошёл: прежние резервные коды остались в силе."
        elif action == "start":
            device = totp.start_setup(user)
    enabled = device is not None and device.confirmed_at is not None
    context: dict[str, Any] = {
        "enabled": enabled,
        "error": error,
        "done": done,
        "new_codes": new_codes,
    }
    if enabled and device is not None:
        context["codes_left"] = totp.recovery_codes_left(device)
    if device is not None and not enabled:
        secret = device.secret
        context["secret_groups"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        context["uri"] = totp.provisioning_uri(device)
        context["qr"] = totp.provisioning_qr_svg(device)
    context["recommended"] = _totp_recommended(user)
    return render(request, "accounts/totp_settings.html", context)


def _totp_recommended(user: Any) -> bool:
    return user.memberships.filter(role__in=[Role.SPECIALIST, Role.COORDINATOR]).exists()


login_view = OtklikLoginView.as_view()


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """/admin/login/ → /login/ (one door: throttling, lockout and TOTP apply to the admin too)."""
    target = request.GET.get("next") or "/admin/"
    if request.user.is_authenticated:
        # Signed in but not staff: sending them to /login/ would bounce back here forever.
        return render(
            request,
            "accounts/admin_forbidden.html",
            status=403,
        )
    return redirect_to_login(target, settings.LOGIN_URL)
