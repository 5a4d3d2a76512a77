from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "otklik.reports"
    label = "reports"
    verbose_name = "Отчёты"

    def ready(self) -> None:
        from otklik.notify import attachments
        from otklik.reports.services import ATTACHMENT_SOURCE, report_files
        from otklik.reports.views import nav
        from otklik.web.context_processors import NAV_PROVIDERS

        attachments.register(ATTACHMENT_SOURCE, report_files)
        if nav not in NAV_PROVIDERS:
            NAV_PROVIDERS.append(nav)
