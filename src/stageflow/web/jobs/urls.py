from django.urls import path

from stageflow.web.jobs import views

app_name = "jobs"

urlpatterns = [
    path("jobs/cards/<str:kind>/<int:record_id>/", views.cards_panel, name="cards"),
    path("jobs/cards/<str:kind>/<int:record_id>/add/", views.card_add, name="card_add"),
    path("jobs/cards/<str:kind>/<int:record_id>/<int:payment_method_id>/delete/",
         views.card_delete, name="card_delete"),
    path("jobs/<str:kind>/<int:record_id>/", views.job_panel, name="panel"),
    path("jobs/<str:kind>/<int:record_id>/create/", views.job_create_view, name="create"),
]
