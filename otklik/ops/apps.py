from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "otklik.ops"
    label = "ops"
    verbose_name = "Эксплуатация и безопасность"

    def ready(self) -> None:
        from django.contrib import admin

        from otklik.ops import audit  # noqa: F401  (connects the audit signal handlers)
        from otklik.ops.auth_views import admin_login

        # The admin signs in through /login/ too: same throttling, lockout and second factor.
        admin.site.login = admin_login  # type: ignore[method-assign]
