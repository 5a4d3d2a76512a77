from django.urls import path

from otklik.reports import views

urlpatterns = [
    path("violations/", views.violations_archive, name="violations_archive"),
    path("violations/<str:key>/", views.violations_month, name="violations_month"),
    path("violations/<str:key>/pdf/<int:pk>/", views.violations_document, name="violations_document"),
    path("region/", views.regional, name="regional"),
]

# Mounted at /dashboard/ by otklik/urls.py.
dashboard_urlpatterns = [path("", views.dashboard, name="dashboard")]
