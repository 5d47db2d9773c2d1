from django.contrib import admin
from django.urls import include, path

from stageflow.api.main import api
from stageflow.web.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("settings/", include("stageflow.web.config.urls")),
    path("board/", include("stageflow.web.board.urls")),
    path("activities/", include("stageflow.web.activities.urls")),
    path("communications/", include("stageflow.web.communications.urls")),
    path("job-orders/", include("stageflow.web.recruitment.urls")),
    path("automation/", include("stageflow.web.automation.urls")),
    # Each area owns its own path prefixes (see its urls module).
    path("", include("stageflow.web.quotes.urls")),
    path("", include("stageflow.web.scheduling.urls")),
    path("", include("stageflow.web.billing.urls")),
    path("", include("stageflow.web.training.urls")),
    path("", include("stageflow.web.queues.urls")),
    path("", include("stageflow.web.qualification.urls")),
    path("", include("stageflow.web.jobs.urls")),
    path("", include("stageflow.web.reports.urls")),
    path("", include("stageflow.web.imports.urls")),
    path("", include("stageflow.web.intake.urls")),
    path("", include("stageflow.web.records.urls")),
    path("", include("stageflow.web.urls")),
]
