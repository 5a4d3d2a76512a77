from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "otklik.connectors"
    label = "connectors"
    verbose_name = "Источники и публикация"

    def ready(self) -> None:
        from otklik.cases import events
        from otklik.connectors import tasks  # noqa: F401 - registers the periodic job
        from otklik.connectors.publish import on_publication_pending

        events.subscribe("publication_pending", on_publication_pending)

        from otklik.connectors.images import on_post_registered

        events.subscribe("post_registered", on_post_registered)  # photos shown through the application

        from otklik.connectors.views import nav
        from otklik.web.context_processors import NAV_PROVIDERS

        if nav not in NAV_PROVIDERS:
            NAV_PROVIDERS.append(nav)
