"""Running collection for an official account: connector -> storage, with status kept."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from otklik.connectors.base import AccountRef, Connector, ConnectorError, RetryPolicy, connector_class
from otklik.connectors.models import CollectionState
from otklik.connectors.storage import store_batch
from otklik.directory.models import OfficialAccount

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=15)  # a run older than this is considered dead (killed process)
SUPPORTED = ("vk", "ok", "telegram")


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
    state = ensure_state(account)
    now = timezone.now()
    with transaction.atomic():
        state = CollectionState.objects.select_for_update().get(pk=state.pk)
        if state.running_since and now - state.running_since < LEASE and not force:
            return CollectResult(skipped=True)
        state.running_since = now
        state.last_run_at = now
        state.save(update_fields=["running_since", "last_run_at"])
    result = CollectResult()
    try:
        connector = connector or build_connector(account)
        for batch in connector.collect(dict(state.cursor or {})):
            new, changed = store_batch(state.pk, account, batch)
            result.new += new
            result.changes += changed
            result.batches += 1
    except ConnectorError as exc:
        result.error = exc.message
        _finish(state.pk, error=exc.message, permanent=exc.permanent)
        log.warning("collection from %s failed: %s", account, exc.message)
        return result
    except Exception as exc:  # noqa: BLE001 - a bug must not stop other accounts; it is shown on the page
        log.exception("collection from %s crashed", account)
        result.error = f"Внутренняя ошибка сбора: {type(exc).__name__}: {exc}"
        _finish(state.pk, error=result.error, permanent=False)
        return result
    _finish(state.pk)
    return result


def _finish(state_id: int, *, error: str = "", permanent: bool = False) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {"running_since": None}
    if error:
        fields.update(last_error=error[:5000], last_error_at=now, last_error_permanent=permanent)
    else:
        fields.update(last_success_at=now)
    CollectionState.objects.filter(pk=state_id).update(**fields)


def due_accounts(now: dt.datetime | None = None) -> list[Any]:
    now = now or timezone.now()
    accounts = OfficialAccount.objects.filter(is_active=True, network__in=SUPPORTED).select_related(
        "collection_state", "organization__municipality"
    )
    due = []
    for account in accounts:
        if not account.has_credentials or not network_enabled(account.network):
            continue
        state = getattr(account, "collection_state", None)
        if state is None or state.is_due(now):
            due.append(account)
    return due
