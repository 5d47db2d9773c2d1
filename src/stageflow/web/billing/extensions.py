"""Tabs and navigation entries of this area (see stageflow.web.extensions)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stageflow.people import permissions
from stageflow.web.extensions import NavEntry, Panel, register_nav, register_panel

register_panel(Panel(key="orders", label=pgettext_lazy("sales document", "Orders"),
                     url_name="billing:order_panel",
                     kinds=("opportunity", "account"), position=60,
                     visible=lambda user: permissions.may_at_all(user, "orders", "view")))
register_panel(Panel(key="invoices", label=_("Invoices"), url_name="billing:invoice_panel",
                     kinds=("opportunity", "account"), position=61,
                     visible=lambda user: permissions.may_at_all(user, "invoices", "view")))
register_nav(NavEntry(key="invoices", label=_("Invoices"), url_name="billing:invoice_list",
                      position=60,
                      visible=lambda user: permissions.may_at_all(user, "invoices", "view")))
