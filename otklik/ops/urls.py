from django.urls import path

from otklik.accounts import auth_views
from otklik.ops import views

urlpatterns = [
    path("metrics", views.metrics_view, name="metrics"),
    path("login/2fa/", auth_views.login_totp, name="login_totp"),
    path("account/2fa/", auth_views.totp_settings, name="totp_settings"),
    path("files/upload", views.attachment_upload, name="attachment_upload"),
    path("files/<path:name>", views.attachment_file, name="attachment_file"),
]
