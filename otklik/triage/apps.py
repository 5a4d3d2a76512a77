from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "otklik.triage"
    label = "triage"
    verbose_name = "Разбор сообщений"

    def ready(self) -> None:
        from otklik.cases.events import subscribe

        from .services import on_post_registered

        subscribe("post_registered", on_post_registered)
