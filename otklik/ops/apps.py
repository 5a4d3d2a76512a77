from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "otklik.ops"
    label = "ops"
    verbose_name = "Эксплуатация и безопасность"

    def ready(self) -> None:
        from otklik.ops import audit  # noqa: F401  (connects the audit signal handlers)
