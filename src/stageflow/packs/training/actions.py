"""The training pack's rule and transition-trigger actions, and its invoice line source.

"create_registration" books the students assigned to an opportunity's interests;
"create_token_issue" issues training tokens to its account; "interests" lets "create_order"
and "create_invoice" price their lines from the interests (`from: interests`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stageflow.automation.actions import VIA, ActionContext, ActionScope, register_action
from stageflow.billing.sources import SourceLines, register_line_source
from stageflow.core.errors import RuleRefused
from stageflow.packs.training import services
from stageflow.packs.training.models import TokenIssue
from stageflow.sales.models import Opportunity


def _opportunity(context: ActionContext) -> Opportunity:
    if not isinstance(context.record, Opportunity):
        raise RuleRefused(_("Only an opportunity has interests."),
                          fields={"record": _("not an opportunity")})
    return context.record


def create_registration(context: ActionContext, params: Mapping[str, Any]) -> str:
    opportunity = _opportunity(context)
    created = services.registrations_create(actor=context.actor, via=VIA,
                                            opportunity=opportunity)
    if not created:
        return _("every assigned student was already registered")
    per_course = Counter(registration.course.code for registration in created)
    return _("%(n)s registrations created (%(courses)s)") % {
        "n": len(created),
        "courses": ", ".join(f"{code} × {count}" for code, count in per_course.items())}


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _check_tokens(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    problems = {}
    for name in ("quantity", "tokens_per_student"):
        if params.get(name) is not None and not _whole_number(params[name]):
            problems[name] = _("A whole number above zero.")
    return problems


def create_token_issue(context: ActionContext, params: Mapping[str, Any]) -> str:
    """`quantity` tokens, or `tokens_per_student` (default 1) x the students of interest."""
    opportunity = _opportunity(context)
    if opportunity.account is None:
        raise RuleRefused(_("“%(title)s” has no account to issue tokens to.")
                          % {"title": opportunity.title}, fields={"account": _("required")})
    existing = TokenIssue.objects.filter(opportunity=opportunity).first()
    if existing is not None:
        return _("%(n)s tokens were already issued") % {"n": existing.quantity}
    quantity = params.get("quantity") or int(params.get("tokens_per_student") or 1) * (
        services.students_wanted(opportunity))
    if not quantity:
        raise RuleRefused(_("“%(title)s” has no interests to count students from.")
                          % {"title": opportunity.title}, fields={"quantity": _("required")})
    issue = services.token_issue_create(actor=context.actor, via=VIA,
                                        account=opportunity.account, quantity=int(quantity),
                                        opportunity=opportunity,
                                        note=opportunity.title[:200])
    return _("%(n)s training tokens issued to %(account)s") % {"n": issue.quantity,
                                                                "account": issue.account}


def interests_source(opportunity: Opportunity) -> SourceLines:
    lines = services.interest_lines(opportunity)
    if not lines:
        raise RuleRefused(_("“%(title)s” has no interests.") % {"title": opportunity.title},
                          fields={"interests": _("none")})
    return SourceLines(lines=lines, currency=opportunity.currency)


def register_training_actions() -> None:
    register_action("create_registration", gettext_lazy("Create the registrations"),
                    create_registration, record_types=("opportunity",))
    register_action("create_token_issue", gettext_lazy("Issue training tokens"),
                    create_token_issue, _check_tokens,
                    params=("quantity", "tokens_per_student"), record_types=("opportunity",))
    register_line_source("interests", gettext_lazy("The interests"), interests_source)
