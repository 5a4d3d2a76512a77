from otklik.reports.urls import dashboard_urlpatterns as urlpatterns  # noqa: F401
