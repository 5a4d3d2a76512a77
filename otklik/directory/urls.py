from django.urls import path

from otklik.directory import views

urlpatterns = [
    path("public/accounts/", views.public_accounts, name="public_accounts"),
    path("public/accounts.json", views.public_accounts_json, name="public_accounts_json"),
]
