from django.urls import path

from stageflow.web.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.report_list, name="list"),
    path("reports/<slug:key>/", views.report_detail, name="detail"),
    path("reports/<slug:key>/download.<str:fmt>", views.report_download, name="download"),
]
