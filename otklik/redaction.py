"""What must never reach a log line: tokens, keys, passwords, citizen text (issue 19 item 2).

Pure Python, no Django: :func:`redact` is applied to every record by the logging filter
:class:`otklik.ops.logging.RedactSecrets`. It knows the secrets' *shapes* (a Telegram bot
token in a Bot API URL, ``access_token=``/``key=``/``q=`` in query strings, bearer tokens,
``"password": "…"`` in JSON) and the *values* the process was configured with or decrypted
(:func:`remember_secret`: settings' secrets, official accounts' credentials).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

MASK = "[скрыто]"
MIN_SECRET = 6  # shorter values would mask ordinary words

_lock = threading.Lock()
_known: set[str] = set()
_ordered: tuple[str, ...] = ()

# Query-string parameters that carry a secret or what a citizen typed (search terms, text).
_QUERY_NAMES = (
    "access_token|token|key|api_key|password|passwd|secret|client_secret|sig|signature|session_key|"
    "session_secret_key|application_key|application_secret_key|refresh_token|code_verifier|"
    "q|query|search|text|message|caption|phone|email"
)
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram Bot API: https://api.telegram.org/bot<token>/getMe
    (re.compile(r"(/bot)[^/\s?#\"']+"), rf"\1{MASK}"),
    # a bare bot token: <bot id>:<35 characters>
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}\b"), MASK),
    (re.compile(rf"(?i)([?&;](?:{_QUERY_NAMES})=)[^&\s\"'#;]*"), rf"\1{MASK}"),
    (re.compile(r"(?i)\b((?:access_token|password|passwd|secret|api_key|bot_token)\s*=\s*)[^&\s\"',;]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1\2{MASK}"),
    (
        re.compile(
            r"(?i)([\"'](?:access_token|token|password|passwd|secret|bot_token|community_token|service_token|"
            r"user_token|application_secret_key|key)[\"']\s*:\s*[\"'])[^\"']*"
        ),
        rf"\1{MASK}",
    ),
    # What people wrote or are called, in dumped payloads (python-telegram-bot logs API
    # answers at DEBUG as Python reprs; JSON bodies look the same).
    (
        re.compile(
            r"""(['"](?:text|caption|message|first_name|last_name|username|author_name|phone_number|title)['"]"""
            r"""\s*:\s*)(['"])(?:\\.|(?!\2).)*\2"""
        ),
        rf"\1'{MASK}'",
    ),
)


def remember_secret(value: object) -> None:
    """Mask this exact value wherever it appears in a log line from now on."""
    if not isinstance(value, str) or len(value) < MIN_SECRET:
        return
    global _ordered
    with _lock:
        if value in _known:
            return
        _known.add(value)
        _ordered = tuple(sorted(_known, key=len, reverse=True))


def remember_secrets(values: Iterable[object]) -> None:
    for value in values:
        remember_secret(value)


def redact(text: str) -> str:
    if not text:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text
