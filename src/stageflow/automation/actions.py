"""The actions a rule (or a transition trigger) can take, in a registry other apps extend.

An action gets the record the rule fired for and its parameters, changes data only through the
services (as the automation account, recorded with `via=automation`), and returns a short
description of what it did for the automation log. It raises a StageflowError (or ValueError)
when it cannot; the firing is then undone as a whole.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stageflow.accounts import services as account_services
from stageflow.accounts.models import Account, Contact, CustomerStatus
from stageflow.activities.models import Activity
from stageflow.activities.services import activity_create
from stageflow.communications import services as messages
from stageflow.core import clock
from stageflow.core.errors import InvalidInput
from stageflow.core.models import Via
from stageflow.people.models import User
from stageflow.people.selectors import assignable_users
from stageflow.sales import services as sales
from stageflow.sales.access import kind_of
from stageflow.sales.fields import EDITABLE
from stageflow.sales.models import Lead, Opportunity, Status

Record = Lead | Opportunity
VIA = Via.AUTOMATION


@dataclass(frozen=True)
class ActionContext:
    record: Record
    actor: User
    # Unique per firing and action, so a message is queued once however often this runs.
    idempotency_key: str
    source: str
    facts: Mapping[str, Any]


Run = Callable[[ActionContext, Mapping[str, Any]], str]
Check = Callable[[Mapping[str, Any], "ActionScope"], dict[str, str]]


@dataclass(frozen=True)
class ActionScope:
    """What a rule's actions may name: the stages, transitions and fields of its pipeline."""

    record_type: str
    stages: frozenset[str]
    transitions: frozenset[str]
    fields: frozenset[str]
    follow_ons: frozenset[str]
    templates: frozenset[str]


@dataclass(frozen=True)
class ActionType:
    key: str
    label: str | Promise
    run: Run
    check: Check
    # The parameters it takes, for the rule screens.
    params: tuple[str, ...] = ()
    record_types: tuple[str, ...] = ("lead", "opportunity")


ACTIONS: dict[str, ActionType] = {}


def register_action(key: str, label: str | Promise, run: Run, check: Check | None = None, *,
                    params: tuple[str, ...] = (),
                    record_types: tuple[str, ...] = ("lead", "opportunity")) -> None:
    ACTIONS[key] = ActionType(key=key, label=label, run=run, check=check or _no_check,
                              params=params, record_types=record_types)


def check_actions(actions: Any, scope: ActionScope) -> dict[str, str]:
    """Problems with a rule's action list, keyed by where they are (`actions.2.stage`)."""
    if not isinstance(actions, list) or not actions:
        return {"actions": _("A rule needs at least one action.")}
    problems: dict[str, str] = {}
    for number, item in enumerate(actions, start=1):
        place = f"actions.{number}"
        if not isinstance(item, Mapping) or not isinstance(item.get("params", {}), Mapping):
            problems[place] = _("An action has a name and its parameters.")
            continue
        action = ACTIONS.get(str(item.get("action")))
        if action is None:
            problems[f"{place}.action"] = _("Unknown action “%(key)s”.") % {
                "key": item.get("action")}
            continue
        if scope.record_type not in action.record_types:
            problems[f"{place}.action"] = _("“%(action)s” does not apply to this record type.") % {
                "action": action.label}
            continue
        for key, message in action.check(item.get("params") or {}, scope).items():
            problems[f"{place}.{key}"] = message
    return problems


# Parameter helpers -------------------------------------------------------------------------

def _no_check(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    return {}


def _required(*names: str) -> Check:
    def check(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
        return {name: _("Required.") for name in names if params.get(name) in (None, "")}

    return check


def _both(first: Check, second: Check) -> Check:
    def check(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
        return {**first(params, scope), **second(params, scope)}

    return check


def _target(context: ActionContext, params: Mapping[str, Any]) -> Record | Account:
    """The record an action works on: the rule's own, or its account (`target: account`)."""
    if params.get("target") != "account":
        return context.record
    if context.record.account is None:
        raise InvalidInput(_("“%(title)s” has no account.") % {"title": context.record.title},
                           fields={"target": _("no account")})
    return context.record.account


# Workflow ----------------------------------------------------------------------------------

def _check_stage(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    if not params.get("stage"):
        return {"stage": _("Required.")}
    if params["stage"] not in scope.stages:
        return {"stage": _("No stage “%(key)s” in this pipeline.") % {"key": params["stage"]}}
    return {}


def set_stage(context: ActionContext, params: Mapping[str, Any]) -> str:
    record = sales.record_force_to_stage(actor=context.actor, via=VIA, record=context.record,
                                         stage=str(params["stage"]))
    return _("stage set to %(stage)s") % {"stage": record.stage}


def _check_transition(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    if params.get("transition") not in scope.transitions:
        return {"transition": _("No transition “%(key)s” in this pipeline.") % {
            "key": params.get("transition")}}
    return {}


def take_transition(context: ActionContext, params: Mapping[str, Any]) -> str:
    record = sales.record_transition(actor=context.actor, via=VIA, record=context.record,
                                     transition=str(params["transition"]),
                                     values=params.get("values") or {},
                                     force=bool(params.get("force")))
    return _("transition %(key)s taken, now at %(step)s") % {"key": params["transition"],
                                                              "step": record.step}


# Tags and fields ---------------------------------------------------------------------------

def _tagger(add: bool) -> Run:
    def run(context: ActionContext, params: Mapping[str, Any]) -> str:
        target = _target(context, params)
        sales.record_tag(actor=context.actor, via=VIA, record=target, tag_name=str(params["tag"]),
                         add=add)
        template = _("tag %(tag)s added to %(target)s") if add else _(
            "tag %(tag)s removed from %(target)s")
        return template % {"tag": params["tag"], "target": target}

    return run


def _check_field(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    if params.get("field") not in scope.fields:
        return {"field": _("No field “%(key)s”.") % {"key": params.get("field")}}
    return {}


def set_field(context: ActionContext, params: Mapping[str, Any]) -> str:
    field, value = str(params["field"]), params.get("value")
    builtin = field in EDITABLE[kind_of(context.record)]
    values = {field: value} if builtin else {"attributes": {field: value}}
    sales.record_update(actor=context.actor, via=VIA, record=context.record, values=values)
    return _("%(field)s set to %(value)s") % {"field": field, "value": value}


def set_customer_status(context: ActionContext, params: Mapping[str, Any]) -> str:
    account = context.record.account
    if account is None:
        raise InvalidInput(_("“%(title)s” has no account.") % {"title": context.record.title},
                           fields={"status": _("no account")})
    account_services.account_update(actor=context.actor, via=VIA, account=account,
                                    values={"customer_status": params["status"]})
    return _("customer status of %(account)s set to %(status)s") % {
        "account": account, "status": params["status"]}


def _check_customer_status(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    if params.get("status") not in CustomerStatus.values:
        return {"status": _("One of: %(values)s.") % {"values": ", ".join(CustomerStatus.values)}}
    return {}


# Owners ------------------------------------------------------------------------------------

def _candidates(params: Mapping[str, Any]) -> Any:
    people = assignable_users()
    if params.get("role"):
        people = people.filter(roles__key=params["role"])
    if params.get("office"):
        people = people.filter(offices__name=params["office"])
    return people.distinct()


def _next_owner(context: ActionContext, params: Mapping[str, Any]) -> User | None:
    strategy = params.get("strategy", "user")
    if strategy == "user":
        return assignable_users().filter(username=params.get("user")).first()
    people = _candidates(params).order_by("id")
    if strategy == "fewest_open":
        model = type(context.record)
        open_counts = {row["owner"]: row["n"] for row in model.objects.filter(
            status=Status.OPEN, owner__in=people).values("owner").annotate(n=Count("id"))}
        return min(people, key=lambda person: (open_counts.get(person.pk, 0), person.pk),
                   default=None)
    # Round robin: the next person after whoever got the last record of this kind.
    model = type(context.record)
    last = (model.objects.exclude(pk=context.record.pk).filter(owner__in=people)
            .order_by("-created_at", "-id").values_list("owner_id", flat=True).first())
    ordered = list(people)
    if not ordered:
        return None
    ids = [person.pk for person in ordered]
    return ordered[(ids.index(last) + 1) % len(ordered)] if last in ids else ordered[0]


def _check_owner(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    strategy = params.get("strategy", "user")
    if strategy not in ("user", "round_robin", "fewest_open"):
        return {"strategy": _("One of: user, round_robin, fewest_open.")}
    if strategy == "user" and not assignable_users().filter(username=params.get("user")).exists():
        return {"user": _("No active user “%(name)s”.") % {"name": params.get("user")}}
    return {}


def assign_owner(context: ActionContext, params: Mapping[str, Any]) -> str:
    owner = _next_owner(context, params)
    if owner is None:
        raise InvalidInput(_("Nobody matches this assignment."),
                           fields={"strategy": _("no candidate")})
    sales.record_update(actor=context.actor, via=VIA, record=context.record,
                        values={"owner": owner.pk})
    return _("assigned to %(user)s") % {"user": owner}


# Activities --------------------------------------------------------------------------------

# Whoever looks after the record's account (its owner); SalesTrack calls them the account's CSR.
ACCOUNT_OWNER = ("account_owner", "account_csr")


def _assignee(context: ActionContext, who: Any) -> User | None:
    if who in (None, "", "owner"):
        return context.record.owner
    if who in ACCOUNT_OWNER:
        account = context.record.account
        return account.owner if account is not None and account.owner else context.record.owner
    return assignable_users().filter(username=str(who)).first() or context.record.owner


def create_activity(context: ActionContext, params: Mapping[str, Any]) -> str:
    due_days = params.get("due_in_days")
    due = clock.now() + dt.timedelta(days=int(due_days)) if due_days not in (None, "") else None
    kind = params.get("kind") if params.get("kind") in Activity.Kind.values else "task"
    subject = str(params.get("subject") or params.get("action") or params.get("description")
                  or _("Follow up"))
    assignee = _assignee(context, params.get("assign_to"))
    activity = activity_create(actor=context.actor, via=VIA, parent=context.record, values={
        "kind": kind, "subject": subject[:200], "body": str(params.get("description") or ""),
        "due_at": due.isoformat() if due else None,
        "assignee": assignee.pk if assignee else None})
    return _("%(kind)s “%(subject)s” created for %(who)s") % {
        "kind": activity.get_kind_display(), "subject": activity.subject,
        "who": activity.assignee or _("nobody")}


def _check_activity(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    due = params.get("due_in_days")
    if due not in (None, "") and (isinstance(due, bool) or not isinstance(due, int)):
        return {"due_in_days": _("A whole number of days.")}
    return {}


# Messages ----------------------------------------------------------------------------------

def _check_message(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    problems = _required("template", "to")(params, scope)
    if params.get("template") and params["template"] not in scope.templates:
        problems["template"] = _("No template “%(key)s”.") % {"key": params["template"]}
    return problems


def _sender(channel: str) -> Run:
    def run(context: ActionContext, params: Mapping[str, Any]) -> str:
        message = messages.send_template(
            template_key=str(params["template"]), record=context.record, to=str(params["to"]),
            idempotency_key=context.idempotency_key, source=context.source,
            actor=context.actor, channel=channel)
        if message.status == "skipped":
            return _("%(channel)s not sent: %(reason)s") % {"channel": channel,
                                                            "reason": message.skip_reason}
        return _("%(channel)s to %(to)s queued") % {"channel": channel, "to": message.to}

    return run


def call_webhook(context: ActionContext, params: Mapping[str, Any]) -> str:
    record = context.record
    body = json.dumps({
        "event": context.facts.get("event", ""), "source": context.source,
        "record": {"type": kind_of(record), "id": record.pk, "title": record.title,
                   "stage": record.stage, "step": record.step, "status": record.status,
                   "owner": record.owner.username if record.owner else None,
                   "account": record.account_id, "attributes": record.attributes},
        "at": clock.now().isoformat()}, default=str)
    message = messages.outbox_enqueue(channel="webhook", to=str(params["url"]), body=body,
                                      record=record, idempotency_key=context.idempotency_key,
                                      source=context.source, actor=context.actor)
    return _("webhook to %(url)s queued") % {"url": message.to}


def _check_webhook(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    url = str(params.get("url") or "")
    if not url.startswith(("https://", "http://")):
        return {"url": _("An http(s) address.")}
    return {}


# Creating records --------------------------------------------------------------------------

def _value(record: Record, params: Mapping[str, Any], key: str, default_source: str = "") -> str:
    """A value for a new record: `<key>` fixed, or read from the field or attribute that
    `<key>_from` names (by default the attribute called `default_source` or `key`)."""
    if params.get(key):
        return str(params[key])
    source = str(params.get(f"{key}_from") or default_source or key)
    found = (record.attributes or {}).get(source)
    if found is None and source in EDITABLE[kind_of(record)]:
        found = getattr(record, source)
    return "" if found is None else str(found)


def create_account(context: ActionContext, params: Mapping[str, Any]) -> str:
    record = context.record
    if record.account is not None:
        return _("already has account %(name)s") % {"name": record.account}
    name = _value(record, params, "name", "company_name") or record.title
    account = account_services.account_create(actor=context.actor, via=VIA, values={
        "name": name, "email": _value(record, params, "email"),
        "phone": _value(record, params, "phone"),
        "owner": record.owner_id, "office": record.office_id})
    sales.record_update(actor=context.actor, via=VIA, record=record,
                        values={"account": account.pk})
    return _("account %(name)s created") % {"name": account}


def create_contact(context: ActionContext, params: Mapping[str, Any]) -> str:
    record = context.record
    if record.contact is not None:
        return _("already has contact %(name)s") % {"name": record.contact}
    email = _value(record, params, "email")
    existing = Contact.objects.filter(email__iexact=email).first() if email else None
    if existing is not None:
        contact = existing
    else:
        contact = account_services.contact_create(
            actor=context.actor, via=VIA, account=record.account, values={
                "first_name": _value(record, params, "first_name"),
                "last_name": _value(record, params, "last_name") or record.title,
                "email": email, "phone": _value(record, params, "phone"),
                "owner": record.owner_id, "office": record.office_id})
    sales.record_update(actor=context.actor, via=VIA, record=record,
                        values={"contact": contact.pk})
    sales.record_contact_link(actor=context.actor, via=VIA, record=record, contact=contact,
                              role=str(params.get("role") or "Main contact"))
    verb = _("linked") if existing is not None else _("created")
    return _("contact %(name)s %(verb)s") % {"name": contact, "verb": verb}


def _check_follow_on(params: Mapping[str, Any], scope: ActionScope) -> dict[str, str]:
    if params.get("follow_on") not in scope.follow_ons:
        return {"follow_on": _("No follow-on “%(key)s” in this pipeline.") % {
            "key": params.get("follow_on")}}
    return {}


def create_follow_on(context: ActionContext, params: Mapping[str, Any]) -> str:
    parent = context.record
    assert isinstance(parent, Opportunity)
    title = str(params.get("name") or "").replace("{title}", parent.title) or _(
        "%(title)s – follow-on") % {"title": parent.title}
    child = sales.opportunity_follow_on(actor=context.actor, via=VIA, parent=parent,
                                        follow_on=str(params["follow_on"]), title=title[:200])
    return _("follow-on %(title)s started") % {"title": child.title}


def convert_lead(context: ActionContext, params: Mapping[str, Any]) -> str:
    lead = context.record
    assert isinstance(lead, Lead)
    opportunity = sales.lead_convert(actor=context.actor, via=VIA, lead=lead,
                                     pipeline_key=params.get("pipeline") or None)
    return _("converted into %(title)s") % {"title": opportunity.title}


def register_builtin_actions() -> None:
    register_action("set_stage", gettext_lazy("Set the stage"), set_stage, _check_stage,
                    params=("stage",))
    register_action("take_transition", gettext_lazy("Take a transition"), take_transition,
                    _check_transition,
                    params=("transition", "force"))
    register_action("add_tag", gettext_lazy("Add a tag"), _tagger(add=True), _required("tag"),
                    params=("tag", "target"))
    register_action("remove_tag", gettext_lazy("Remove a tag"), _tagger(add=False),
                    _required("tag"),
                    params=("tag", "target"))
    register_action("set_field", gettext_lazy("Set a field"), set_field, _check_field,
                    params=("field", "value"))
    register_action("assign_owner", gettext_lazy("Assign an owner"), assign_owner, _check_owner,
                    params=("strategy", "user", "role", "office"))
    register_action("create_activity", gettext_lazy("Create an activity"), create_activity,
                    _check_activity,
                    params=("kind", "subject", "description", "due_in_days", "assign_to"))
    register_action("create_task", gettext_lazy("Create a task"), create_activity,
                    _check_activity,
                    params=("subject", "description", "due_in_days", "assign_to"))
    register_action("send_email", gettext_lazy("Send an email"), _sender("email"),
                    _check_message,
                    params=("template", "to"))
    register_action("send_sms", gettext_lazy("Send a text message"), _sender("sms"),
                    _check_message,
                    params=("template", "to"))
    register_action("call_webhook", gettext_lazy("Call a webhook"), call_webhook,
                    _both(_required("url"), _check_webhook),
                    params=("url",))
    register_action("create_account", gettext_lazy("Create the account"), create_account,
                    params=("name_from", "email_from", "phone_from"))
    register_action("create_contact", gettext_lazy("Create the contact"), create_contact,
                    params=("first_name_from", "last_name_from", "email_from", "phone_from",
                            "role"))
    register_action("set_customer_status", gettext_lazy("Set the customer status"),
                    set_customer_status, _check_customer_status,
                    params=("status",))
    register_action("create_follow_on", gettext_lazy("Start a follow-on"), create_follow_on,
                    _check_follow_on, record_types=("opportunity",),
                    params=("follow_on", "name"))
    register_action("convert_lead", gettext_lazy("Convert the lead"), convert_lead,
                    record_types=("lead",),
                    params=("pipeline",))

