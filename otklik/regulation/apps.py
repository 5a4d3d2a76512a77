from django.apps import AppConfig


class RegulationConfig(AppConfig):
    name = "otklik.regulation"
    label = "regulation"
    verbose_name = "Регламент и рабочее время"
