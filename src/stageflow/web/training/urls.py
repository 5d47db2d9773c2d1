from django.urls import path

from stageflow.web.training import views

app_name = "training"

urlpatterns = [
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:course_id>/", views.course_detail, name="course_detail"),
    path("courses/<int:course_id>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:course_id>/delete/", views.course_delete, name="course_delete"),
    path("courses/interests/<str:kind>/<int:record_id>/", views.interest_panel,
         name="interest_panel"),
    path("courses/interests/<str:kind>/<int:record_id>/add/", views.interest_add,
         name="interest_add"),
    path("courses/interests/<str:kind>/<int:record_id>/quotation/", views.interests_estimate,
         name="interests_estimate"),
    path("courses/interests/<str:kind>/<int:record_id>/<int:interest_id>/",
         views.interest_update, name="interest_update"),
    path("courses/interests/<str:kind>/<int:record_id>/<int:interest_id>/remove/",
         views.interest_remove, name="interest_remove"),
    path("courses/tokens/<str:kind>/<int:record_id>/", views.token_panel, name="token_panel"),
    path("registrations/", views.registration_list, name="registration_list"),
]
