from django.urls import path

from stageflow.web.recruitment import views

app_name = "recruitment"

urlpatterns = [
    path("<str:kind>/<int:record_id>/", views.panel, name="panel"),
    path("<str:kind>/<int:record_id>/new/", views.create, name="create"),
    path("<str:kind>/<int:record_id>/add/", views.link, name="link"),
    path("<str:kind>/<int:record_id>/<int:job_order_id>/remove/", views.unlink, name="unlink"),
    path("<str:kind>/<int:record_id>/<int:job_order_id>/place/", views.place, name="place"),
]
