from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "otklik.directory"
    label = "directory"
    verbose_name = "Справочники: муниципалитеты, организации, люди"

    def ready(self) -> None:
        # Connects the signals that keep cached scopes (roles.scope_of) current.
        from otklik.directory import roles  # noqa: F401
