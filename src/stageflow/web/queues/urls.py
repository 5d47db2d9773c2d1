from django.urls import path, re_path

from stageflow.web.queues import views

app_name = "queues"

urlpatterns = [
    path("queues/", views.queue_list, name="list"),
    path("queues/menu/", views.queue_menu, name="menu"),
    path("queues/new/", views.queue_create, name="create"),
    path("queues/<int:queue_id>/", views.queue_detail, name="detail"),
    re_path(r"^queues/(?P<queue_id>[0-9]+)/export\.(?P<fmt>csv|xlsx)$", views.queue_export,
            name="export"),
    path("queues/<int:queue_id>/edit/", views.queue_edit, name="edit"),
    path("queues/<int:queue_id>/delete/", views.queue_delete, name="delete"),
]
