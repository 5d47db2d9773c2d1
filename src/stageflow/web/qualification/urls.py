from django.urls import path

from stageflow.web.qualification import views

app_name = "qualification"

urlpatterns = [
    path("questions/", views.set_list, name="list"),
    path("questions/new/", views.set_create, name="create"),
    path("questions/<int:set_id>/edit/", views.set_edit, name="edit"),
    path("questions/<int:set_id>/delete/", views.set_delete, name="delete"),
    path("questions/<str:kind>/<int:record_id>/", views.panel, name="panel"),
]
