from django.urls import path

from otklik.directory import absence_views, views

urlpatterns = [
    path("public/accounts/", views.public_accounts, name="public_accounts"),
    path("public/accounts.json", views.public_accounts_json, name="public_accounts_json"),
    path("absences/", absence_views.absences, name="absences"),
    path("absences/<int:pk>/cancel/", absence_views.absence_cancel, name="absence_cancel"),
]
