"""Running collection for an official account: connector -> storage, with status kept."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from otklik.connectors.base import AccountRef, Connector, ConnectorError, RetryPolicy, connector_class
from otklik.connectors.models import CollectionState, WatchedCommunity
from otklik.connectors.storage import store_batch
from otklik.directory.models import OfficialAccount

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=15)  # a run older than this is considered dead (killed process)
SUPPORTED = ("vk", "ok", "telegram", "max")


@dataclass
class CollectResult:
    new: int = 0
    changes: int = 0
    batches: int = 0
    error: str = ""
    skipped: bool = False


def account_ref(account: Any) -> AccountRef:
    return AccountRef(
        key=f"{account.network}:{account.pk}",
        network=account.network,
        external_id=account.external_id,
        url=account.url,
        name=account.name,
        credentials=account.get_credentials() if account.has_credentials else {},
    )


def base_url_for(network: str, credentials: dict[str, Any]) -> str:
    # An account may point at another API host (a proxy, or the demo's fake).
    if credentials.get("api_base_url"):
        return str(credentials["api_base_url"])
    return str(
        {
            "vk": settings.VK_API_BASE_URL,
            "ok": settings.OK_API_BASE_URL,
            "telegram": settings.TELEGRAM_API_BASE_URL,
            "max": getattr(settings, "MAX_API_BASE_URL", ""),
        }.get(network, "")
    )


def network_enabled(network: str) -> bool:
    return bool(getattr(settings, f"{network.upper()}_ENABLED", False))


def build_connector(account: Any, *, policy: RetryPolicy | None = None) -> Connector:
    ref = account_ref(account)
    if ref.network not in SUPPORTED or not network_enabled(ref.network):
        raise ConnectorError(f"Сбор из сети «{account.get_network_display()}» не подключён", permanent=True)
    cls = connector_class(ref.network)
    return cls(ref, base_url=base_url_for(ref.network, ref.credentials), policy=policy)


def ensure_state(account: Any) -> CollectionState:
    state, _ = CollectionState.objects.get_or_create(account=account)
    return state


def collect_account(account: Any, *, connector: Connector | None = None, force: bool = False) -> CollectResult:
    """Collect everything new from ``account``; errors end up on its status page."""
    return _collect(ensure_state(account), account, lambda: connector or build_connector(account), force=force)


def build_watched_connector(watched: Any, *, policy: RetryPolicy | None = None) -> Connector:
    """A watched community (VK) or group (OK) is read with its official account's keys."""
    from otklik.connectors.ok.watched import OkWatchedConnector
    from otklik.connectors.vk.watched import VkWatchedConnector

    if watched.network not in ("vk", "ok") or not network_enabled(watched.network):
        raise ConnectorError("Наблюдение за сообществами этой сети не подключено", permanent=True)
    ref = account_ref(watched.account)
    base_url = base_url_for(ref.network, ref.credentials)
    if watched.network == "ok":
        return OkWatchedConnector(ref, group_id=str(watched.external_id), base_url=base_url, policy=policy)
    return VkWatchedConnector(ref, group_id=int(watched.external_id), base_url=base_url, policy=policy)


def ensure_watched_state(watched: Any) -> CollectionState:
    state, _ = CollectionState.objects.get_or_create(watched=watched)
    return state


def collect_watched(watched: Any, *, connector: Connector | None = None, force: bool = False) -> CollectResult:
    """Collect what is new in a watched community; stored as collected through its official account."""
    return _collect(
        ensure_watched_state(watched), watched.account, lambda: connector or build_watched_connector(watched),
        force=force,
    )  # fmt: skip


def _collect(state: CollectionState, account: Any, make_connector: Any, *, force: bool) -> CollectResult:
    now = timezone.now()
    with transaction.atomic():
        state = CollectionState.objects.select_for_update().get(pk=state.pk)
        if state.running_since and now - state.running_since < LEASE and not force:
            return CollectResult(skipped=True)
        state.running_since = now
        state.last_run_at = now
        state.save(update_fields=["running_since", "last_run_at"])
    result = CollectResult()
    connector = None
    try:
        connector = make_connector()
        for batch in connector.collect(dict(state.cursor or {})):
            new, changed = store_batch(state.pk, account, batch)
            result.new += new
            result.changes += changed
            result.batches += 1
    except ConnectorError as exc:
        result.error = exc.message
        _finish(state.pk, error=exc.message, permanent=exc.permanent, calls=getattr(connector, "calls", 0))
        log.warning("collection from %s failed: %s", state, exc.message)
        return result
    except Exception as exc:  # noqa: BLE001 - a bug must not stop other accounts; it is shown on the page
        log.exception("collection from %s crashed", state)
        result.error = f"Внутренняя ошибка сбора: {type(exc).__name__}: {exc}"
        _finish(state.pk, error=result.error, permanent=False, calls=getattr(connector, "calls", 0))
        return result
    _finish(state.pk, calls=getattr(connector, "calls", 0))
    return result


def _finish(state_id: int, *, error: str = "", permanent: bool = False, calls: int = 0) -> None:
    now = timezone.now()
    today = timezone.localdate()
    if calls:
        CollectionState.objects.filter(pk=state_id, calls_day=today).update(calls_today=F("calls_today") + calls)
        CollectionState.objects.filter(pk=state_id).exclude(calls_day=today).update(calls_day=today, calls_today=calls)
    fields: dict[str, Any] = {"running_since": None}
    if error:
        fields.update(last_error=error[:5000], last_error_at=now, last_error_permanent=permanent)
    else:
        fields.update(last_success_at=now)
    CollectionState.objects.filter(pk=state_id).update(**fields)


def _due(sources: Any, account_of: Callable[[Any], Any], now: dt.datetime) -> list[Any]:
    """The sources (official accounts or watched communities) whose collection interval has elapsed."""
    due = []
    for source in sources:
        if not account_of(source).has_credentials or not network_enabled(source.network):
            continue
        state = getattr(source, "collection_state", None)
        if state is None or state.is_due(now):
            due.append(source)
    return due


def due_accounts(now: dt.datetime | None = None) -> list[Any]:
    accounts = OfficialAccount.objects.filter(is_active=True, network__in=SUPPORTED).select_related(
        "collection_state", "organization__municipality"
    )
    return _due(accounts, lambda account: account, now or timezone.now())


def due_watched(now: dt.datetime | None = None) -> list[Any]:
    watched = WatchedCommunity.objects.filter(account__is_active=True, is_closed=False).select_related(
        "collection_state", "account"
    )
    return _due(watched, lambda item: item.account, now or timezone.now())
