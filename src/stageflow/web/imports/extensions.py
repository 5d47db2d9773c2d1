"""The "Import" entry in the main navigation, for whoever may create some kind of record."""

from django.utils.translation import gettext_lazy as _

from stageflow.web.extensions import NavEntry, register_nav
from stageflow.web.imports.views import importable_kinds

register_nav(NavEntry(key="imports", label=_("Import"), url_name="imports:list", position=80,
                      visible=lambda user: bool(importable_kinds(user))))
