from django.urls import path

from stageflow.web.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_list, name="list"),
    path("imports/<int:batch_id>/", views.import_detail, name="detail"),
    path("imports/<int:batch_id>/mapping/", views.import_mapping, name="mapping"),
    path("imports/<int:batch_id>/preview/", views.import_preview, name="preview"),
    path("imports/<int:batch_id>/start/", views.import_start, name="start"),
    path("imports/<int:batch_id>/progress/", views.import_progress, name="progress"),
    path("imports/<int:batch_id>/problems.csv", views.import_problems, name="problems"),
    path("imports/<int:batch_id>/undo/", views.import_undo, name="undo"),
]
