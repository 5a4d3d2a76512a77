from django.urls import path

from otklik.notify import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("<int:pk>/open/", views.open_notification, name="notification_open"),
    path("read-all/", views.read_all, name="notifications_read_all"),
    path("settings/", views.notify_settings, name="notify_settings"),
]
