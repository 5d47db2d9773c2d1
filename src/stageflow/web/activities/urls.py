from django.urls import path, re_path

from stageflow.web.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.mine, name="mine"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export_mine, name="export"),
    path("notifications/read/", views.read_notifications, name="read_notifications"),
    path("on/<str:kind>/<int:record_id>/", views.panel, name="panel"),
    path("on/<str:kind>/<int:record_id>/add/", views.add_activity, name="add"),
    path("on/<str:kind>/<int:record_id>/upload/", views.upload, name="upload"),
    path("<int:activity_id>/done/", views.toggle_done, name="toggle_done"),
    path("<int:activity_id>/delete/", views.delete_activity, name="delete"),
    path("files/<int:attachment_id>/", views.download, name="download"),
    path("files/<int:attachment_id>/delete/", views.delete_attachment, name="delete_file"),
]
