from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "otklik.cases"
    label = "cases"
    verbose_name = "Обращения"

    def ready(self) -> None:
        from otklik.cases.statistics import analyze_after_migrate

        post_migrate.connect(analyze_after_migrate, sender=self, dispatch_uid="cases-analyze-after-migrate")
