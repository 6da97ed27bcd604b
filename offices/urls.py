from django.contrib.auth import views as auth_views
from django.urls import path

from offices import views

app_name = "offices"
urlpatterns = [
    path("office/", views.dashboard, name="dashboard"),
    path("office/login/", views.LoginView.as_view(), name="login"),
    path("office/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "office/password/",
        views.PasswordChangeView.as_view(),
        name="password-change",
    ),
    path(
        "office/password-reset/",
        views.PasswordResetView.as_view(),
        name="password-reset",
    ),
    path(
        "office/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="offices/password_reset_done.html"
        ),
        name="password-reset-done",
    ),
    path(
        "office/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "office/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="offices/password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
    path(
        "office/welcome/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path(
        "office/changes/new/",
        views.change_request_create,
        name="change-request-create",
    ),
    path(
        "office/changes/<int:pk>/",
        views.change_request_detail,
        name="change-request-detail",
    ),
]
