from django.contrib.auth import views as auth_views
from django.urls import path, re_path, reverse_lazy

from stageflow.web import views
from stageflow.web.forms import SignInForm

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(
        template_name="web/auth/login.html", authentication_form=SignInForm,
        redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(
        template_name="web/auth/form.html", success_url=reverse_lazy("web:password_change_done")),
        name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="web/auth/message.html"), name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        template_name="web/auth/form.html", email_template_name="web/auth/reset_email.txt",
        subject_template_name="web/auth/reset_subject.txt",
        success_url=reverse_lazy("web:password_reset_done")), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="web/auth/message.html"), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="web/auth/form.html",
        success_url=reverse_lazy("web:password_reset_complete")), name="password_reset_confirm"),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(
        template_name="web/auth/message.html"), name="password_reset_complete"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/", views.account_list, name="account_list"),
    re_path(r"^accounts/export\.(?P<fmt>csv|xlsx)$", views.account_export,
            name="account_export"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/lookup/", views.account_lookup, name="account_lookup"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("accounts/<int:account_id>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:account_id>/delete/", views.account_delete, name="account_delete"),
    path("accounts/<int:account_id>/tags/", views.account_tag, name="account_tag"),
    path("accounts/<int:account_id>/tags/remove/", views.account_untag, name="account_untag"),
    path("accounts/<int:parent_id>/sub-accounts/new/", views.account_create,
         name="sub_account_create"),
    path("contacts/", views.contact_list, name="contact_list"),
    re_path(r"^contacts/export\.(?P<fmt>csv|xlsx)$", views.contact_export,
            name="contact_export"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:contact_id>/accounts/", views.contact_link, name="contact_link"),
    path("contacts/<int:contact_id>/accounts/<int:account_id>/unlink/", views.contact_unlink,
         name="contact_unlink"),
]
