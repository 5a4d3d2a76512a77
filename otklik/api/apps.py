from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_list_rows(using: str = "default", **_: Any) -> None:
    from django.db import connections

    from otklik.api import listrows

    listrows.install(connections[using])


class ApiConfig(AppConfig):
    name = "otklik.api"
    label = "api"
    verbose_name = "Программный доступ (API)"

    def ready(self) -> None:
        # After every migrate: the list rows' triggers as the current code writes them (listrows.py).
        post_migrate.connect(_install_list_rows, sender=self, dispatch_uid="api-list-rows")
        # Tokens kept between requests are forgotten everywhere when a token or a user changes.
        from otklik.api import tokencache

        tokencache.connect()
