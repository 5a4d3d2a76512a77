from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in, its throttling and lockout, the second factor (TOTP). The models stay in the
    ``ops`` app (``otklik.ops.models``): their tables and migrations did not move."""

    name = "otklik.accounts"
    label = "accounts"
    verbose_name = "Вход и учётные записи"

    def ready(self) -> None:
        from django.contrib import admin

        from otklik.accounts.auth_views import admin_login

        # The admin signs in through /login/ too: same throttling, lockout and second factor.
        admin.site.login = admin_login  # type: ignore[method-assign]
