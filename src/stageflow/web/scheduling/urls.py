"""The schedule, appointments, routes and calendar feeds (prefixes schedule/, appointments/,
routes/ and calendar/)."""

from django.urls import path

from stageflow.web.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/settings/", views.schedule_settings, name="settings"),
    path("schedule/roll-over/", views.roll_over, name="roll_over"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/assign/", views.assign, name="assign"),
    path("appointments/<int:appointment_id>/delete/", views.appointment_delete,
         name="delete"),
    path("appointments/<int:appointment_id>/<slug:action>/", views.appointment_action,
         name="action"),
    path("appointments/for/<str:kind>/<int:record_id>/", views.panel, name="panel"),
    path("appointments/for/<str:kind>/<int:record_id>/new/", views.create, name="create"),
    path("routes/", views.route_list, name="routes"),
    path("routes/<int:route_id>/", views.route_edit, name="route"),
    path("routes/<int:route_id>/delete/", views.route_delete, name="route_delete"),
    path("calendar/renew/", views.feed_renew, name="feed_renew"),
    path("calendar/revoke/", views.feed_revoke, name="feed_revoke"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
]
