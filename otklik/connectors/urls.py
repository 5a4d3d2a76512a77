from django.urls import path

from otklik.connectors import views, watched_views

app_name = "connectors"

urlpatterns = [
    path("", views.sources, name="sources"),
    path("accounts/<int:pk>/", views.account_status, name="account"),
    path("watched/", watched_views.watched_list, name="watched"),
    path("watched/<int:pk>/remove/", watched_views.watched_remove, name="watched_remove"),
    path("watched/<int:pk>/collect/", watched_views.watched_collect, name="watched_collect"),
    path("manual/", views.manual_entry, name="manual"),
    path("import/", views.import_upload, name="import"),
    path("import/<uuid:pk>/", views.import_job, name="import_job"),
    path("import/<uuid:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<uuid:pk>/progress/", views.import_progress, name="import_progress"),
    path("vk/callback/<int:pk>/", views.vk_callback, name="vk_callback"),
    path("telegram/webhook/<int:pk>/", views.telegram_webhook, name="telegram_webhook"),
    path("max/webhook/<int:pk>/", views.max_webhook, name="max_webhook"),
]
