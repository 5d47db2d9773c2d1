"""WSGI entry point for production servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageflow.settings")
application = get_wsgi_application()

from stageflow.core.serving import prepare_for_requests  # noqa: E402 - needs the apps loaded

prepare_for_requests()
