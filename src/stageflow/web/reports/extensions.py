"""The "Reports" entry in the main navigation."""

from django.utils.translation import gettext_lazy as _

from stageflow.web.extensions import NavEntry, register_nav
from stageflow.web.reports.access import may_see_reports

register_nav(NavEntry(key="reports", label=_("Reports"), url_name="reports:list", position=60,
                      visible=may_see_reports))
