from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "otklik.triage"
    label = "triage"
