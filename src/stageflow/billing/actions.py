"""Rule and transition-trigger actions "create_order" and "create_invoice".

Both work on an opportunity and take their lines from a source (`from`, see
billing.sources). Both are idempotent per opportunity: a rule that fires again (a sale reopened
and won again) does not bill the client twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stageflow.automation.actions import VIA, ActionContext, ActionScope, register_action
from stageflow.billing import services
from stageflow.billing.models import Invoice, Order
from stageflow.billing.sources import LINE_SOURCES
from stageflow.core.errors import RuleRefused, StageflowError
from stageflow.sales.models import Opportunity

AUTO = "auto"


def _opportunity(context: ActionContext) -> Opportunity:
    record = context.record
    if not isinstance(record, Opportunity):
        raise RuleRefused(_("Only an opportunity has orders and invoices."),
                          fields={"record": _("not an opportunity")})
    return record


def _check_source(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    source = params.get("from", AUTO)
    if source != AUTO and source not in LINE_SOURCES:
        return {"from": _("One of: %(keys)s.") % {"keys": ", ".join([AUTO, *LINE_SOURCES])}}
    return {}


def create_order(context: ActionContext, params: Mapping[str, Any]) -> str:
    opportunity = _opportunity(context)
    existing = Order.objects.filter(opportunity=opportunity).exclude(
        status=Order.Status.CANCELLED).first()
    if existing is not None:
        return _("already has order %(number)s") % {"number": existing.number}
    source = str(params.get("from") or "selected_estimate")
    order = services.order_create(actor=context.actor, via=VIA, opportunity=opportunity,
                                  source="selected_estimate" if source == AUTO else source)
    return _("order %(number)s created for %(account)s, total %(total)s %(currency)s") % {
        "number": order.number, "account": order.account, "total": order.total,
        "currency": order.currency}


def create_invoice(context: ActionContext, params: Mapping[str, Any]) -> str:
    """From `from` (a source key); `auto` takes the first source that has lines, in the
    order they were registered (the selected estimate first)."""
    opportunity = _opportunity(context)
    existing = Invoice.objects.filter(opportunity=opportunity).first()
    if existing is not None:
        return _("already has invoice %(invoice)s") % {"invoice": existing}
    source = str(params.get("from") or AUTO)
    candidates = list(LINE_SOURCES) if source == AUTO else [source]
    reasons: list[str] = []
    for candidate in candidates:
        try:
            invoice = services.invoice_create(actor=context.actor, via=VIA,
                                              opportunity=opportunity, source=candidate)
        except RuleRefused as refusal:
            reasons.append(refusal.message)
            continue
        return _("draft invoice for %(account)s created from %(source)s, total %(total)s "
                 "%(currency)s") % {"account": invoice.account, "source": candidate,
                                    "total": invoice.total, "currency": invoice.currency}
    raise StageflowError(" ".join(reasons), fields={"from": _("nothing to invoice")})


def register_billing_actions() -> None:
    register_action("create_order", gettext_lazy("Create an order"), create_order,
                    _check_source, params=("from",), record_types=("opportunity",))
    register_action("create_invoice", gettext_lazy("Create an invoice"), create_invoice,
                    _check_source, params=("from",), record_types=("opportunity",))
