"""Where an order's or invoice's lines come from when it is made for an opportunity.

A source turns an opportunity into lines (and the currency they are priced in), or says why
it cannot. Billing knows the opportunity's selected estimate and its latest order; packs add
their own (the training pack adds "interests") with `register_line_source` in their
AppConfig.ready(). The "create_order" and "create_invoice" actions take the source's key as
their `from` parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stageflow.billing.lines import LineValues, lines_of_document, lines_of_estimate
from stageflow.billing.models import Order
from stageflow.billing.selectors import latest_order
from stageflow.core.errors import RuleRefused
from stageflow.quotes.models import Estimate
from stageflow.quotes.selectors import selected_estimate
from stageflow.sales.models import Opportunity


@dataclass(frozen=True, slots=True)
class SourceLines:
    lines: list[LineValues]
    currency: str
    estimate: Estimate | None = None
    order: Order | None = None


LineSource = Callable[[Opportunity], SourceLines]


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    label: str | Promise
    read: LineSource


LINE_SOURCES: dict[str, Source] = {}


def register_line_source(key: str, label: str | Promise, read: LineSource) -> None:
    LINE_SOURCES[key] = Source(key=key, label=label, read=read)


def from_estimate(estimate: Estimate) -> SourceLines:
    lines = lines_of_estimate(estimate)
    if not lines:
        raise RuleRefused(_("Estimate %(number)s has no lines.") % {"number": estimate.number},
                          fields={"estimate": _("no lines")})
    return SourceLines(lines=lines, currency=estimate.currency, estimate=estimate)


def from_selected_estimate(opportunity: Opportunity) -> SourceLines:
    estimate = selected_estimate(opportunity)
    if estimate is None:
        raise RuleRefused(
            _("“%(title)s” has no selected estimate to take the lines from.")
            % {"title": opportunity.title}, fields={"estimate": _("no selected estimate")})
    return from_estimate(estimate)


def from_latest_order(opportunity: Opportunity) -> SourceLines:
    order = latest_order(opportunity)
    if order is None:
        raise RuleRefused(_("“%(title)s” has no order to invoice.") % {"title": opportunity.title},
                          fields={"order": _("no order")})
    return from_order(order)


def from_order(order: Order) -> SourceLines:
    if order.status == Order.Status.CANCELLED:
        raise RuleRefused(_("Order %(number)s is cancelled.") % {"number": order.number},
                          fields={"order": _("cancelled")})
    return SourceLines(lines=lines_of_document(order.lines.all()), currency=order.currency,
                       estimate=order.estimate, order=order)


def read_source(key: str, opportunity: Opportunity) -> SourceLines:
    source = LINE_SOURCES.get(key)
    if source is None:
        raise RuleRefused(_("Unknown source “%(key)s”.") % {"key": key},
                          fields={"from": ", ".join(LINE_SOURCES)})
    return source.read(opportunity)


def register_builtin_sources() -> None:
    register_line_source("selected_estimate", gettext_lazy("The selected estimate"),
                         from_selected_estimate)
    register_line_source("order", gettext_lazy("The latest order"), from_latest_order)
