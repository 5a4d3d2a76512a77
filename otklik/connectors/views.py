"""Pages: sources and their collection status, manual entry, file import, VK Callback API."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from otklik.cases.actions import do_register_post
from otklik.cases.errors import ActionError
from otklik.connectors import importing
from otklik.connectors.base import Batch, ConnectorError, IncomingMessage, RetryPolicy
from otklik.connectors.collect import account_ref, base_url_for, ensure_state
from otklik.connectors.importing import import_progress_percent, rows_read
from otklik.connectors.manual import parse_link
from otklik.connectors.models import CollectionState, ImportJob, WatchedCommunity
from otklik.connectors.storage import clean_text, store_batch
from otklik.connectors.tasks import collect_account_task, parse_import_task, run_import_task
from otklik.connectors.telegram.connector import TelegramConnector
from otklik.connectors.vk.connector import VkConnector
from otklik.directory.models import Municipality, OfficialAccount
from otklik.directory.roles import scope_of
from otklik.web.context_processors import NavItem

log = logging.getLogger(__name__)
MANAGERS = ("specialist", "coordinator")
MAX_IMPORT_BYTES = 20 * 1024 * 1024
CALLBACK_POLICY = RetryPolicy(attempts=2, base_delay=0.2, max_delay=0.5)  # VK expects "ok" within seconds


def _municipalities(user: Any, roles: tuple[str, ...] = MANAGERS) -> list[Municipality]:
    scope = scope_of(user)
    ids = [m for m in scope.roles_by_municipality if scope.has_role(m, *roles)]
    if scope.is_superuser:
        return list(Municipality.objects.order_by("name"))
    return list(Municipality.objects.filter(pk__in=ids).order_by("name"))


def _account_for(user: Any, pk: int) -> OfficialAccount:
    account = get_object_or_404(OfficialAccount.objects.select_related("organization__municipality"), pk=pk)
    if account.organization.municipality not in _municipalities(user, (*MANAGERS, "head")):
        raise Http404
    return account


def nav(request: HttpRequest) -> list[NavItem]:
    """«Источники» in the navigation for specialists and coordinators (registered in apps.py)."""
    scope = scope_of(request.user)
    if scope.is_superuser or any(scope.has_role(m, *MANAGERS) for m in scope.roles_by_municipality):
        return [NavItem("Источники", "/sources/", key="sources")]
    return []


@login_required
def sources(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request.user, (*MANAGERS, "head"))
    if not municipalities:
        raise PermissionDenied
    accounts = (
        OfficialAccount.objects.filter(organization__municipality__in=municipalities)
        .select_related("organization", "collection_state")
        .order_by("organization__name", "network", "name")
    )
    watched = (
        WatchedCommunity.objects.filter(municipality__in=municipalities)
        .select_related("account", "collection_state")
        .order_by("name")
    )
    accounts_list, watched_list = list(accounts), list(watched)
    sources: list[Any] = [*accounts_list, *watched_list]
    # Watched communities are read with their official account's key: they spend one budget.
    key_calls: dict[int, int] = defaultdict(int)
    for source in sources:
        state = getattr(source, "collection_state", None)
        key_calls[_key_of(source)] += state.calls_today_now if state else 0
    for source in sources:
        source.key_calls = key_calls[_key_of(source)]
    return render(
        request,
        "connectors/sources.html",
        {"accounts": accounts_list, "watched": watched_list, "can_manage": bool(_municipalities(request.user))},
    )


def _key_of(source: OfficialAccount | WatchedCommunity) -> int:
    """The official account whose key a source is read with."""
    return source.pk if isinstance(source, OfficialAccount) else source.account_id


@login_required
def account_status(request: HttpRequest, pk: int) -> HttpResponse:
    account = _account_for(request.user, pk)
    state = ensure_state(account)
    if request.method == "POST":
        if account.organization.municipality not in _municipalities(request.user):
            raise PermissionDenied

        if "collect" in request.POST:
            collect_account_task(account.pk)
            return redirect("connectors:account", pk=account.pk)
        form = IntervalForm(request.POST, instance=state)
        if form.is_valid():
            form.save()
            return redirect("connectors:account", pk=account.pk)
    else:
        form = IntervalForm(instance=state)
    today = state.collected_today if state.collected_day == timezone.localdate() else 0
    return render(
        request,
        "connectors/account.html",
        {"account": account, "state": state, "collected_today": today, "form": form, "now": timezone.now()},
    )


class IntervalForm(forms.ModelForm):
    class Meta:
        model = CollectionState
        fields = ["enabled", "interval_minutes"]


class MunicipalityForm(forms.Form):
    """A form for one of the municipalities the user works for (hidden when there is only one)."""

    municipality = forms.ModelChoiceField(queryset=Municipality.objects.none(), label="Муниципалитет")

    def __init__(self, *args: Any, municipalities: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        field.queryset = Municipality.objects.filter(pk__in=[m.pk for m in municipalities])  # type: ignore[attr-defined]
        if len(municipalities) == 1:
            field.initial = municipalities[0]
            field.widget = forms.HiddenInput()


class ManualForm(MunicipalityForm):
    url = forms.CharField(label="Ссылка на сообщение", required=False, max_length=1000)
    text = forms.CharField(label="Текст сообщения", widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000)
    author_name = forms.CharField(label="Автор", required=False, max_length=300)
    published_at = forms.DateTimeField(label="Опубликовано", required=False, help_text="Пусто — сейчас.")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if url and not url.lower().startswith(("http://", "https://", "vk.com", "ok.ru", "t.me")):
            raise forms.ValidationError("Вставьте ссылку целиком, например https://vk.com/wall-1_2")
        return url


@login_required
def manual_entry(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request.user)
    if not municipalities:
        raise PermissionDenied
    form = ManualForm(request.POST or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        link = parse_link(data["url"])
        url = data["url"] if data["url"].startswith("http") else (f"https://{data['url']}" if data["url"] else "")
        message = IncomingMessage(
            network=link.network, source_key=link.source_key, text=clean_text(data["text"]),
            published_at=data["published_at"] or timezone.now(), url=url, author_name=data["author_name"],
            parent_key=link.parent_key, raw={"manual": True},
        )  # fmt: skip

        try:
            case = do_register_post(data["municipality"], message, detected=True, acting_user=request.user)
        except ActionError as exc:  # e.g. the message is registered in another municipality
            form.add_error(None, exc.message)
        else:
            return redirect(case.get_absolute_url())
    return render(request, "connectors/manual.html", {"form": form})


class ImportForm(MunicipalityForm):
    file = forms.FileField(label="Файл CSV, XLSX или JSON")


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Store the file and queue the parse job: the request never reads the rows (issue 19 item 9)."""
    municipalities = _municipalities(request.user)
    if not municipalities:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            form.add_error("file", "Файл больше 20 МБ — разделите его на части.")
        elif not upload.name.lower().endswith((".csv", ".xlsx", ".json")):
            form.add_error("file", "Поддерживаются файлы CSV, XLSX и JSON")
        else:
            job = ImportJob.objects.create(
                municipality=form.cleaned_data["municipality"], created_by=request.user,  # type: ignore[misc]
                filename=upload.name[:255], content=upload.read(),
            )  # fmt: skip
            parse_import_task(str(job.pk))
            return redirect("connectors:import_job", pk=job.pk)
    return render(request, "connectors/import_upload.html", {"form": form, "max_rows": importing.MAX_ROWS})


def _job_for(request: HttpRequest, pk: Any) -> ImportJob:
    # The stored rows and the file can be megabytes: pages read only the summary and the preview.
    job = get_object_or_404(ImportJob.objects.defer("content", "rows"), pk=pk)
    if job.created_by_id != request.user.pk or job.municipality not in _municipalities(request.user):
        raise Http404
    return job


def _progress_context(job: ImportJob) -> dict[str, Any]:
    return {"job": job, "progress": import_progress_percent(job), "rows_read": rows_read(job)}


@login_required
def import_job(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job_for(request, pk)
    preview = [{**row, "published_at": dt.datetime.fromisoformat(row["published_at"])} for row in job.preview]
    return render(request, "connectors/import_job.html", {**_progress_context(job), "preview": preview})


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job_for(request, pk)
    if job.state == ImportJob.State.PREVIEW and not job.errors:
        started = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.PREVIEW).update(
            state=ImportJob.State.RUNNING
        )
        if started:  # a double click queues one save
            run_import_task(str(job.pk))
    return redirect("connectors:import_job", pk=job.pk)


@login_required
def import_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job_for(request, pk)
    response = render(request, "connectors/_import_progress.html", _progress_context(job))
    if job.state == ImportJob.State.PREVIEW and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the check is over: show the whole preview page
    return response


@csrf_exempt
@require_POST
def vk_callback(request: HttpRequest, pk: int) -> HttpResponse:
    """VK Callback API: confirmation handshake, secret check, events stored once."""
    account = get_object_or_404(OfficialAccount, pk=pk, network="vk", is_active=True)
    creds = account.get_credentials() if account.has_credentials else {}
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return HttpResponse("bad request", status=400, content_type="text/plain")
    if not isinstance(body, dict) or str(body.get("group_id")) != str(abs(int(account.external_id or 0))):
        return HttpResponseForbidden("unknown group", content_type="text/plain")
    if body.get("type") == "confirmation":
        return HttpResponse(str(creds.get("confirmation_code") or ""), content_type="text/plain")
    secret = str(creds.get("callback_secret") or "")
    if not secret or body.get("secret") != secret:
        return HttpResponseForbidden("bad secret", content_type="text/plain")
    ref = account_ref(account)
    connector = VkConnector(ref, base_url=base_url_for("vk", ref.credentials), policy=CALLBACK_POLICY)
    messages, changes = connector.event_to_items(body)
    if messages:
        try:
            messages = connector.resolve_authors(messages)
        except ConnectorError as exc:  # VK waits for "ok": store the message now, without the name
            log.warning("VK callback %s: author names not resolved: %s", account.pk, exc.message)
    if messages or changes:
        state = ensure_state(account)
        # Callback retries and replays are harmless: messages are stored once; the
        # cursor (used by the periodic wall scan) is left as it is.
        store_batch(state.pk, account, Batch(messages, dict(state.cursor or {}), changes))
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    """Telegram webhook (optional; getUpdates is the default): the secret token header is checked."""
    account = get_object_or_404(OfficialAccount, pk=pk, network="telegram", is_active=True)
    creds = account.get_credentials() if account.has_credentials else {}
    secret = str(creds.get("webhook_secret") or "")
    if not secret or request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
        return HttpResponseForbidden("bad secret", content_type="text/plain")
    try:
        update = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return HttpResponse("bad request", status=400, content_type="text/plain")
    state = ensure_state(account)
    cursor = dict(state.cursor or {})
    threads = dict(cursor.get("threads") or {})
    messages: list[IncomingMessage] = []
    changes: list[Any] = []
    TelegramConnector(account_ref(account))._take(
        update if isinstance(update, dict) else {}, threads, messages, changes
    )
    store_batch(state.pk, account, Batch(messages, {**cursor, "threads": threads}, changes))
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def max_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    """MAX webhook (optional; long polling is the default): ``X-Max-Bot-Api-Secret`` is checked on every call.

    MAX retries until it gets 200, so a replayed update is harmless: messages are stored once.
    """
    import hmac

    from otklik.connectors.base import Batch
    from otklik.connectors.max.connector import MaxConnector

    account = get_object_or_404(OfficialAccount, pk=pk, network="max", is_active=True)
    creds = account.get_credentials() if account.has_credentials else {}
    secret = str(creds.get("webhook_secret") or "")
    given = request.headers.get("X-Max-Bot-Api-Secret") or ""
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponseForbidden("bad secret", content_type="text/plain")
    try:
        update = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return HttpResponse("bad request", status=400, content_type="text/plain")
    messages, changes = MaxConnector(account_ref(account)).update_to_items(update if isinstance(update, dict) else {})
    if messages or changes:
        state = ensure_state(account)
        store_batch(state.pk, account, Batch(messages, dict(state.cursor or {}), changes))
    return HttpResponse("ok", content_type="text/plain")
