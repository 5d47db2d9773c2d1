from django.urls import path

from stageflow.web.config import views

app_name = "config"

urlpatterns = [
    path("", views.home, name="home"),
]
