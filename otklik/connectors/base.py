"""The one shape every source produces, and the interface every network implements.

The core (cases, triage, pages) only ever sees :class:`IncomingMessage`; it never
imports a network's package.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Attachment:
    """A photo, video, document or link attached to a message or an answer."""

    type: str  # "photo", "video", "doc", "link", "audio", "other"
    url: str
    name: str = ""


@dataclass
class IncomingMessage:
    """A message collected from a network, entered by hand or pushed by a regional centre.

    ``source_key`` is unique within ``network`` (e.g. ``wall-123_456_789`` for a VK
    comment): storing the same message twice changes nothing.
    """

    network: str
    source_key: str
    text: str
    published_at: dt.datetime
    url: str = ""
    author_id: str = ""
    author_name: str = ""
    author_url: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    parent_key: str = ""
    account: Any = None  # directory.OfficialAccount the message was collected from, if any
    raw: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.network:
            raise ValueError("IncomingMessage.network is required")
        if not self.source_key:
            raise ValueError("IncomingMessage.source_key is required")
        if self.published_at.tzinfo is None:
            raise ValueError("IncomingMessage.published_at must be timezone-aware")


# ---------------------------------------------------------------------------
# The connector interface. Nothing below imports Django: a connector is given a
# plain :class:`AccountRef` and returns plain dataclasses, so each network can be
# tested against its fake without a database.
# ---------------------------------------------------------------------------


class ConnectorError(Exception):
    """A network call failed.

    ``permanent`` errors (revoked token, deleted post, comments closed, bad
    parameters) are shown to people and never retried; the others (rate limits,
    5xx, timeouts, malformed answers) are retried with backoff. ``retry_after`` is
    a hint in seconds when the network said how long to wait.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        code: str | int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after

    def __repr__(self) -> str:
        kind = "permanent" if self.permanent else "transient"
        return f"ConnectorError({self.message!r}, {kind}, code={self.code!r})"


def error_from_code(
    network: str,
    method: str,
    code: int,
    message: Any,
    *,
    messages: Mapping[int, str],
    transient: Mapping[int, float],
) -> ConnectorError:
    """A network's numbered API error (VK's and OK's ``error_code``/``error_msg``): our own
    words for the codes we know, the network's otherwise; ``transient`` codes are retried
    after the seconds given, every other one is permanent. People read the message on the case
    page: plain Russian and the network's code, no method names (``method`` is for the logs)."""
    text = messages.get(code) or str(message or "неизвестная ошибка")
    full = f"{network}: {text} (код {code})"
    if code in transient:
        return ConnectorError(full, code=code, retry_after=transient[code])
    return ConnectorError(full, permanent=True, code=code)


class NotVerifiable(ConnectorError):
    """The network offers no way to check whether an earlier attempt was posted.

    Raised by :meth:`Connector.find_published`; the caller must not post again
    blindly — a person checks the network and decides.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True, code="not_verifiable")


@dataclass(frozen=True)
class AccountRef:
    """What a connector needs to know about an official account (no ORM object)."""

    key: str  # stable id for rate limiting and logs, e.g. "vk:42" (the OfficialAccount pk)
    network: str
    external_id: str  # VK community id, OK group id, Telegram channel id/@username
    url: str = ""
    name: str = ""
    credentials: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Change:
    """An edit or deletion of a message collected earlier."""

    network: str
    source_key: str
    kind: str  # "edited" | "deleted" | "restored"
    text: str = ""
    at: dt.datetime | None = None


@dataclass
class Batch:
    """One page of collection: store ``messages`` and ``changes``, then save ``cursor``.

    The cursor describes the position *after* this batch, so saving it in the same
    transaction as the rows keeps the rule "the cursor only moves past stored
    messages" without the connector knowing anything about storage.
    """

    messages: list[IncomingMessage]
    cursor: dict[str, Any]
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class OutgoingFile:
    """A photo or video to attach to an answer."""

    name: str
    content: bytes
    content_type: str = "application/octet-stream"

    @property
    def kind(self) -> str:
        if self.content_type.startswith("image/"):
            return "photo"
        if self.content_type.startswith("video/"):
            return "video"
        return "doc"


@dataclass
class Reply:
    """An answer to post as a reply to the message ``target_key`` (a ``source_key``)."""

    target_key: str
    text: str
    idempotency_key: str  # e.g. "otklik-publication-17": sent where the network dedupes
    files: list[OutgoingFile] = field(default_factory=list)
    target_url: str = ""
    #: For answers a network takes in several calls (a Telegram album): the journal of parts
    #: already posted by earlier attempts, network ids in order, ``"?"`` for a part whose call
    #: started but whose result was never recorded. ``None``: no journal is kept.
    parts: list[str] | None = None
    #: Saves the journal; the connector calls it before and after each part's call.
    save_parts: Callable[[list[str]], None] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str


# ---- retries and rate limiting --------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: sleep U(0.5, 1) * min(cap, base * 2**n)."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, error: ConnectorError | None = None) -> float:
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        delay = ceiling * random.uniform(0.5, 1.0)
        if error is not None and error.retry_after:
            delay = max(delay, min(self.max_delay, error.retry_after))
        return delay


class RateLimiter:
    """A token bucket per account key, shared by every connector in the process.

    Networks publish per-token limits (VK: 3 requests/s for user and service
    tokens, 20/s for a community token; OK: a few per second; Telegram: about 20
    messages a minute to one group). Several worker processes each hold their own
    bucket, so with N workers on one account the rate is at most N times the limit;
    the retry on "too many requests" absorbs that.
    """

    _lock = threading.Lock()
    _buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last_refill)

    @classmethod
    def acquire(cls, key: str, rate: float, burst: float | None = None) -> None:
        if rate <= 0:
            return
        capacity = burst if burst is not None else max(1.0, rate)
        while True:
            with cls._lock:
                now = time.monotonic()
                tokens, last = cls._buckets.get(key, (capacity, now))
                tokens = min(capacity, tokens + (now - last) * rate)
                if tokens >= 1.0:
                    cls._buckets[key] = (tokens - 1.0, now)
                    return
                cls._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / rate
            time.sleep(wait)

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls._buckets.clear()


class Connector:
    """One network. Subclasses implement :meth:`collect`, :meth:`publish` and
    :meth:`find_published`, and make every network call through :meth:`call`."""

    network: str = ""
    #: requests per second allowed per account (None: use the network's own rules in ``rate_for``)
    rate_per_second: float = 3.0
    #: how long one delivery of an answer may take, retries included: the publication's lease
    delivery_seconds: float = 180.0
    calls: int = 0

    def __init__(
        self,
        account: AccountRef,
        *,
        base_url: str | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account = account
        self.base_url = base_url
        self.policy = policy or RetryPolicy()
        self._sleep = sleep

    def call(self, fn: Callable[[], T], *, rate_key: str = "", rate: float | None = None) -> T:
        """Run one network call with rate limiting and retries of transient errors."""
        last: ConnectorError | None = None
        for attempt in range(self.policy.attempts):
            RateLimiter.acquire(rate_key or self.account.key, rate if rate is not None else self.rate_per_second)
            self.calls += 1  # requests made by this connector (shown on the sources page)
            try:
                return fn()
            except ConnectorError as exc:
                if exc.permanent:
                    raise
                last = exc
                log.info("%s %s: transient error, attempt %d: %s", self.network, self.account.key, attempt + 1, exc)
                if attempt + 1 < self.policy.attempts:
                    self._sleep(self.policy.delay(attempt, exc))
        assert last is not None
        raise last

    # -- the interface ------------------------------------------------------

    def collect(self, cursor: dict[str, Any]) -> Iterator[Batch]:
        """Yield batches of messages newer than ``cursor``, each with the cursor after it."""
        raise NotImplementedError

    def publish(self, reply: Reply) -> Published:
        """Post ``reply`` from the official account; return the new comment's id and URL."""
        raise NotImplementedError

    def find_published(self, reply: Reply) -> Published | None:
        """Look for a reply posted by an earlier attempt (after a crash or a timeout).

        Returns it, or None when it is certainly not there; raises
        :class:`NotVerifiable` when the network cannot tell.
        """
        raise NotVerifiable("Сеть не позволяет проверить, был ли ответ уже опубликован")


_registry: dict[str, type[Connector]] = {}


def register(cls: Any) -> Any:
    """Class decorator: make ``cls`` the connector for ``cls.network``."""
    _registry[cls.network] = cls
    return cls


def connector_class(network: str) -> type[Connector]:
    if network not in _registry and network in ("vk", "ok", "telegram", "max"):
        # Import the package lazily (each on its own: one may be imported already) so the
        # core never needs them at import time.
        import importlib

        importlib.import_module(f"otklik.connectors.{network}.connector")
    try:
        return _registry[network]
    except KeyError:
        raise ConnectorError(f"Нет коннектора для сети «{network}»", permanent=True, code="no_connector") from None
