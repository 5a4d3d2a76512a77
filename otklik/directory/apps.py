from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "otklik.directory"
    label = "directory"
