from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "otklik.web"
    label = "web"
