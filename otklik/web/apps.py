from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "otklik.web"
    label = "web"
    verbose_name = "Рабочее место"

    def ready(self) -> None:
        from otklik.web.context_processors import NAV_PROVIDERS
        from otklik.web.nav import case_sections

        # Входящие comes first: the home page redirects to the first section.
        if case_sections not in NAV_PROVIDERS:
            NAV_PROVIDERS.insert(0, case_sections)
