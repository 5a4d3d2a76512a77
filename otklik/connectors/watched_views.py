"""Pages: the third-party communities a municipality watches (add by link, list, stop watching)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from otklik.connectors.base import ConnectorError
from otklik.connectors.collect import build_connector, ensure_watched_state
from otklik.connectors.models import WatchedCommunity
from otklik.connectors.views import MANAGERS, MunicipalityForm, _municipalities
from otklik.directory.models import OfficialAccount


class WatchForm(MunicipalityForm):
    link = forms.CharField(
        label="Ссылка на сообщество ВКонтакте или группу Одноклассников", max_length=500,
        help_text="Например, https://vk.com/podslushano_geo или https://ok.ru/group/70000001. "
        "Наблюдать можно только открытое сообщество.",
    )  # fmt: skip
    account = forms.ModelChoiceField(
        queryset=OfficialAccount.objects.none(), label="Читать и отвечать от имени",
        help_text="Официальное сообщество, чьими ключами читается стена и от чьего имени публикуются ответы.",
    )  # fmt: skip

    def __init__(self, *args: Any, municipalities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, municipalities=municipalities, **kwargs)
        accounts = OfficialAccount.objects.filter(
            organization__municipality__in=municipalities, network__in=("vk", "ok"), is_active=True
        ).exclude(credentials_encrypted="")
        self.fields["account"].queryset = accounts.select_related("organization")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        account, municipality = data.get("account"), data.get("municipality")
        if account is not None and municipality is not None and account.organization.municipality_id != municipality.pk:
            self.add_error("account", "Этот аккаунт принадлежит другому муниципалитету.")
        return data


@login_required
def watched_list(request: HttpRequest) -> HttpResponse:
    municipalities = _municipalities(request.user, (*MANAGERS, "head"))
    if not municipalities:
        raise PermissionDenied
    manageable = _municipalities(request.user)
    form = WatchForm(request.POST or None, municipalities=manageable or municipalities)
    if request.method == "POST":
        if not manageable:
            raise PermissionDenied
        if form.is_valid():
            watched = _add(form, request.user)
            if watched is not None:
                return redirect("connectors:watched")
    items = (
        WatchedCommunity.objects.filter(municipality__in=municipalities)
        .select_related("account", "collection_state")
        .order_by("name")
    )
    return render(
        request, "connectors/watched.html",
        {"items": items, "form": form, "can_manage": bool(manageable), "today": timezone.localdate()},
    )  # fmt: skip


def _add(form: WatchForm, user: Any) -> WatchedCommunity | None:
    """Look the community up (name, members, open or closed); refuse a closed one with the reason."""
    from otklik.connectors.ok.watched import describe_group
    from otklik.connectors.vk.watched import LinkError, describe_community, parse_community_link

    data = form.cleaned_data
    account = data["account"]
    network = "ok" if "ok.ru" in data["link"].lower() or "odnoklassniki" in data["link"].lower() else "vk"
    if network != account.network:
        form.add_error("account", "Сообщество и официальный аккаунт должны быть в одной соцсети.")
        return None
    try:
        if network == "ok":
            info = describe_group(build_connector(account), data["link"])  # type: ignore[arg-type]
        else:
            info = describe_community(build_connector(account), parse_community_link(data["link"]))  # type: ignore[arg-type]
    except LinkError as exc:
        form.add_error("link", str(exc))
        return None
    except ConnectorError as exc:
        form.add_error("link", exc.message)
        return None
    if info.refusal:
        form.add_error("link", info.refusal)
        return None
    if str(info.id) == str(abs(int(account.external_id or 0))):
        form.add_error("link", "Это само официальное сообщество — его стена уже собирается.")
        return None
    try:
        with transaction.atomic():
            watched = WatchedCommunity.objects.create(
                municipality=data["municipality"], account=account, network=network, link=data["link"][:500],
                external_id=str(info.id), screen_name=info.screen_name, name=info.name[:300],
                members_count=info.members_count, is_closed=info.is_closed, checked_at=timezone.now(), added_by=user,
            )  # fmt: skip
            ensure_watched_state(watched)
    except IntegrityError:
        form.add_error("link", f"Сообщество «{info.name}» уже под наблюдением.")
        return None
    return watched


def _managed_watch(request: HttpRequest, pk: int) -> WatchedCommunity:
    """A watched community of a municipality the person manages (404 for others)."""
    watched = get_object_or_404(WatchedCommunity, pk=pk)
    if watched.municipality not in _municipalities(request.user):
        raise Http404
    return watched


@login_required
@require_POST
def watched_remove(request: HttpRequest, pk: int) -> HttpResponse:
    watched = _managed_watch(request, pk)
    watched.delete()  # collected messages stay: their cases do not depend on the watch
    return redirect("connectors:watched")


@login_required
@require_POST
def watched_collect(request: HttpRequest, pk: int) -> HttpResponse:
    watched = _managed_watch(request, pk)
    from otklik.connectors.tasks import collect_watched_task

    collect_watched_task(watched.pk)
    return redirect("connectors:watched")
