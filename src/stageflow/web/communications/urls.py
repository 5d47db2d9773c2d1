"""/communications/: message templates, company details, the outbox and sending a message."""

from django.urls import path

from stageflow.web.communications import views

app_name = "communications"

urlpatterns = [
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_create"),
    path("templates/<slug:key>/", views.template_edit, name="template_edit"),
    path("templates/<slug:key>/delete/", views.template_delete, name="template_delete"),
    path("company/", views.company, name="company"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:message_id>/", views.outbox_detail, name="outbox_detail"),
    path("outbox/<int:message_id>/retry/", views.outbox_retry, name="outbox_retry"),
    path("outbox/<int:message_id>/cancel/", views.outbox_cancel, name="outbox_cancel"),
    path("send/", views.compose, name="compose"),
    path("documents/<slug:key>/", views.document, name="document"),
]
