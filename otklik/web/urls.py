from django.contrib.auth import views as auth_views
from django.urls import path

from otklik.web import guide, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("inbox/", views.inbox, name="inbox"),
    path("feed/", views.feed, name="feed"),
    path("feed/bulk/", views.feed_bulk, name="feed_bulk"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/act/<slug:action>/", views.case_act, name="case_act"),
    path("cases/<int:pk>/publication/", views.case_publication, name="case_publication"),
    path("help/", guide.help_index, name="help"),
    path("help/img/<str:name>", guide.guide_image, name="help_image"),
    path("help/<slug:slug>/", guide.help_page, name="help_page"),
    path("answer-templates/", views.answer_templates, name="answer_templates"),
    path("answer-templates/new/", views.answer_template_edit, name="answer_template_new"),
    path("answer-templates/<int:pk>/", views.answer_template_edit, name="answer_template_edit"),
]
