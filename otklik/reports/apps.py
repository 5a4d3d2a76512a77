from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "otklik.reports"
    label = "reports"
