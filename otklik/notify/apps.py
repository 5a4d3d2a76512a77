from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "otklik.notify"
    label = "notify"
