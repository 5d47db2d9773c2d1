"""Configuration pages for administrators."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from stageflow.people.services import ensure_manages_workspace
from stageflow.pipelines import selectors
from stageflow.web.views import signed_in_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    ensure_manages_workspace(signed_in_user(request))
    return render(request, "web/config/home.html", {"pipelines": selectors.pipeline_list()})
