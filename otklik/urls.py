from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from otklik.accounts.auth_views import login_view

admin.site.site_header = "Отклик — администрирование"
admin.site.site_title = "Отклик"
admin.site.index_title = "Справочники и настройки"

urlpatterns = [
    # Pages that do not carry our icon link (the admin's) ask for it: an empty answer, not a 404.
    path("favicon.ico", lambda request: HttpResponse(status=204)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("otklik.api.urls")),
    path("reports/", include("otklik.reports.urls")),
    path("dashboard/", include("otklik.reports.dashboard_urls")),
    path("notifications/", include("otklik.notify.urls")),
    path("sources/", include("otklik.connectors.urls")),
    path("", include("otklik.directory.urls")),
    # Sign-in with throttling, lockout and TOTP (ops) replaces the plain LoginView of the pages.
    path("login/", login_view, name="login"),
    path("", include("otklik.ops.urls")),
    path("", include("otklik.web.urls")),
]

handler400 = "otklik.web.errors.bad_request"
handler403 = "otklik.web.errors.forbidden"
handler404 = "otklik.web.errors.not_found"
handler500 = "otklik.web.errors.server_error"
