"""Web screens: board."""
from django.urls import URLPattern, path

from stageflow.web.board import views

app_name = "board"

urlpatterns: list[URLPattern] = [
    path("", views.board, name="board"),
    path("column/<slug:pipeline_key>/<str:stage_key>/", views.column, name="column"),
    path("move/<str:kind>/<int:record_id>/", views.move, name="move"),
]
