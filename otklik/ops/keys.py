"""Re-encrypting secrets with the newest key (``OTKLIK_ENCRYPTION_KEYS``).

Every text field named ``*_encrypted`` in any installed model is a Fernet token made by
``otklik.directory.crypto``. Rotation: put the new key first in the variable (keep the old
ones after it), restart, run ``otklik rotate_credentials``, then drop the old keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import transaction

from otklik.directory import crypto


@dataclass
class RotationReport:
    rotated: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)


def encrypted_fields() -> list[tuple[Any, str]]:
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if f.name.endswith("_encrypted") and f.get_internal_type() in ("TextField", "CharField"):
                found.append((model, f.name))
    return found


def rotate_all(*, dry_run: bool = False) -> RotationReport:
    report = RotationReport()
    for model, name in encrypted_fields():
        label = f"{model._meta.label}.{name}"
        count = 0
        with transaction.atomic():
            rows = model.objects.exclude(**{name: ""}).select_for_update().values_list("pk", name)
            for pk, token in rows.iterator(chunk_size=500):
                try:
                    new = crypto.fernet().rotate(token.encode()).decode()
                except InvalidToken:
                    report.failed.append(f"{label} #{pk}")
                    continue
                if not dry_run:
                    model.objects.filter(pk=pk).update(**{name: new})
                count += 1
        report.rotated[label] = count
    return report
