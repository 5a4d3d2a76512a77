from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "otklik.notify"
    label = "notify"
    verbose_name = "Уведомления"

    def ready(self) -> None:
        from otklik.cases.events import subscribe
        from otklik.notify.handlers import HANDLERS
        from otklik.notify.views import bell
        from otklik.web.context_processors import NAV_PROVIDERS

        for kind, handler in HANDLERS.items():
            subscribe(kind, handler)
        if bell not in NAV_PROVIDERS:
            NAV_PROVIDERS.append(bell)
