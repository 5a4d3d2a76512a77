from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "otklik.web"
    label = "web"
    verbose_name = "Рабочее место"

    def ready(self) -> None:
        from otklik.web.context_processors import NAV_PROVIDERS
        from otklik.web.nav import admin_section, case_sections

        # Входящие comes first: the home page redirects to the first section.
        if case_sections not in NAV_PROVIDERS:
            NAV_PROVIDERS.insert(0, case_sections)
        # The admin comes last (this app is the last installed, so the others are in already).
        if admin_section not in NAV_PROVIDERS:
            NAV_PROVIDERS.append(admin_section)
