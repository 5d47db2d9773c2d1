"""The "Job" tab of opportunities and the "Payment methods" tab of accounts."""

from django.utils.translation import gettext_lazy as _

from stageflow.web.extensions import Panel, register_panel

register_panel(Panel(key="job", label=_("Job"), url_name="jobs:panel", kinds=("opportunity",),
                     position=80))
register_panel(Panel(key="payment-methods", label=_("Payment methods"), url_name="jobs:cards",
                     kinds=("account",), position=60))
