"""Encryption at rest for official accounts' credentials.

Keys come from ``OTKLIK_ENCRYPTION_KEYS`` (comma-separated Fernet keys): the first one
encrypts, every one decrypts, so a key can be rotated by prepending a new one and
running ``rotate_credentials``. Without the variable a key is derived from SECRET_KEY
(fine for a demo, documented as not for production).
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    derived = base64.urlsafe_b64encode(hashlib.sha256(("otklik-credentials:" + secret_key).encode()).digest())
    return MultiFernet([Fernet(derived)])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.OTKLIK_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt_json(data: dict[str, Any]) -> str:
    if not data:
        return ""
    return fernet().encrypt(json.dumps(data, ensure_ascii=False).encode()).decode()


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ValueError("Не удалось расшифровать учётные данные: ключ шифрования не подходит") from None


def rotate(token: str) -> str:
    """Re-encrypt with the first (newest) key."""
    return fernet().rotate(token.encode()).decode() if token else ""
