from django.urls import path

from otklik.ops import auth_views, views

urlpatterns = [
    path("metrics", views.metrics_view, name="metrics"),
    path("login/2fa/", auth_views.login_totp, name="login_totp"),
    path("account/2fa/", auth_views.totp_settings, name="totp_settings"),
]
