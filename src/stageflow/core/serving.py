"""Start-up work for a long-running server process, done once before the first request."""

from __future__ import annotations

import gc
from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import get_resolver
from django.utils import translation

import stageflow

PACKAGE_DIR = Path(stageflow.__file__).resolve().parent


def _compile_own_templates() -> int:
    """Compile every template of Stageflow's apps into the cached loader; returns how many.

    The first visitor of each page would otherwise pay for it, and the compiled templates are
    then part of what `gc.freeze()` sets aside."""
    compiled = 0
    for engine in engines.all():
        for directory in engine.template_dirs:
            root = Path(directory).resolve()
            if not root.is_relative_to(PACKAGE_DIR):
                continue  # Django's admin and other libraries: rarely used, compiled on demand
            for path in sorted(root.rglob("*")):
                if path.suffix in {".html", ".txt"}:
                    engine.get_template(path.relative_to(root).as_posix())
                    compiled += 1
    return compiled


def prepare_for_requests() -> None:
    """Load what every request needs, then move the long-lived objects out of the collector's
    sight.

    A full garbage collection walks every tracked object; after start-up that is ~170,000
    (URL patterns, API schemas, templates, translation catalogues), ~130 ms on a small
    server, and one happened every few requests: the slow tail of every page. `gc.freeze()`
    moves the objects alive now into a permanent generation that collections skip, so a full
    collection then walks only what requests created since (~20 ms)."""
    get_resolver().reverse_dict  # noqa: B018 - imports every view, builds the API schemas
    _compile_own_templates()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Stageflow")  # loads the catalogue
    gc.collect()
    gc.freeze()
