"""The "Questions" tab of opportunities."""

from django.utils.translation import gettext_lazy as _

from stageflow.web.extensions import Panel, register_panel

register_panel(Panel(key="questions", label=_("Questions"), url_name="qualification:panel",
                     kinds=("opportunity",), position=30))
