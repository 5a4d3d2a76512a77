from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "otklik.connectors"
    label = "connectors"
