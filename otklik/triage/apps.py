from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "otklik.triage"
    label = "triage"
    verbose_name = "Разбор сообщений"

    def ready(self) -> None:
        from otklik.cases.events import subscribe

        from .services import on_case_detected, on_case_excluded, on_post_registered

        subscribe("post_registered", on_post_registered)
        subscribe("case_detected", on_case_detected)  # a person's verdict on a §22 flag
        subscribe("case_excluded", on_case_excluded)
