"""Intake screens: the administrator's /intake/… pages and the public's /f/<slug>/."""

from django.urls import path

from stageflow.web.intake import public_views, views

app_name = "intake"

urlpatterns = [
    path("intake/", views.intake_home, name="home"),
    path("intake/forms/new/", views.form_create, name="form_create"),
    path("intake/forms/<int:form_id>/", views.form_edit, name="form"),
    path("intake/forms/<int:form_id>/delete/", views.form_delete, name="form_delete"),
    path("intake/sources/new/", views.source_create, name="source_create"),
    path("intake/sources/<int:source_id>/", views.source_edit, name="source"),
    path("intake/sources/<int:source_id>/revoke/", views.source_revoke, name="source_revoke"),
    path("intake/sources/<int:source_id>/delete/", views.source_delete, name="source_delete"),
    path("f/<slug:slug>/", public_views.public_form, name="public_form"),
    path("f/<slug:slug>/thanks/", public_views.public_thanks, name="public_thanks"),
]
