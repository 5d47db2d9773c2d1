"""A dry run of a rule over the real history: which records it would have fired for in the last
days, and how many messages that would have sent, before the rule is switched on.

Timed rules are previewed by what they would fire for now. Instant events are replayed from
what the database remembers: the creation dates and the stage history. Events it does not
keep a history of (tags, field changes, owners, quotes) cannot be replayed and say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from stageflow.automation import catalogue
from stageflow.automation.conditions import as_list
from stageflow.automation.dispatch import rule_applies
from stageflow.automation.models import Rule
from stageflow.automation.scheduler import due_records, stages_in_groups
from stageflow.core import clock
from stageflow.sales.access import MODELS
from stageflow.sales.models import StageChange

MESSAGE_ACTIONS = ("send_email", "send_sms", "call_webhook")
STAGE_EVENTS = ("stage_changed_to", "stage_group_changed_to", "won", "lost", "transition_taken")
SAMPLE_SIZE = 20
# A replay looks at this many candidate records at most, newest first.
CANDIDATE_LIMIT = 5000


@dataclass
class Preview:
    window_days: int
    replayable: bool
    records: int = 0
    messages: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def _candidates(rule: Rule, since: dt.datetime) -> list[Any] | None:
    kind, suffix = rule.event.split(".", 1)
    model = MODELS.get(kind)
    if model is None:
        return None
    records = model.objects.select_related("pipeline", "account", "owner", "office")
    if suffix == "created":
        return list(records.filter(created_at__gte=since).order_by("-created_at")
                    [:CANDIDATE_LIMIT])
    if suffix in STAGE_EVENTS:
        changes = StageChange.objects.filter(at__gte=since, **{f"{kind}__isnull": False})
        conditions = rule.conditions or {}
        if suffix == "won" or suffix == "lost":
            changes = changes.filter(to_status=suffix)
        if as_list(conditions.get("stage")):
            changes = changes.filter(to_stage__in=as_list(conditions["stage"]))
        if as_list(conditions.get("status")):
            changes = changes.filter(to_status__in=as_list(conditions["status"]))
        if as_list(conditions.get("stage_group")):
            changes = changes.filter(to_stage__in=stages_in_groups(
                rule.record_type, as_list(conditions["stage_group"])))
        if suffix == "transition_taken" and conditions.get("transition"):
            changes = changes.filter(transition=conditions["transition"])
        ids = changes.exclude(from_stage="").values_list(f"{kind}_id", flat=True).distinct()
        return list(records.filter(pk__in=ids[:CANDIDATE_LIMIT]))
    return None


def rule_preview(rule: Rule, *, days: int = 30) -> Preview:
    """What `rule` (saved or not) would have done over the last `days` days."""
    event = catalogue.EVENT_TYPES[rule.event]
    now = clock.now()
    preview = Preview(window_days=days, replayable=True)
    if event.timed:
        matched = [record for record in due_records(rule, now)[:CANDIDATE_LIMIT]
                   if rule_applies(rule, record, {})]
        preview.note = _("Timed rule: the records it would fire for now.")
    else:
        candidates = _candidates(rule, now - dt.timedelta(days=days))
        if candidates is None:
            preview.replayable = False
            preview.note = _("This event is not kept in the history, so it cannot be "
                             "replayed; the rule will act from now on.")
            return preview
        # Where the record went was checked against the stage history by the query; its other
        # conditions (tags, office, values) are checked against its state today.
        facts: Mapping[str, Any] = {"transition": (rule.conditions or {}).get("transition")}
        replayed = Rule(event=rule.event, pipeline=rule.pipeline, conditions={
            key: value for key, value in (rule.conditions or {}).items()
            if key not in ("stage", "status", "stage_group")})
        matched = [record for record in candidates if rule_applies(replayed, record, facts)]
        preview.note = _("Replayed over the last %(days)s days of history.") % {"days": days}
    preview.records = len(matched)
    sends = sum(1 for item in rule.actions or [] if item.get("action") in MESSAGE_ACTIONS)
    preview.messages = sends * len(matched)
    preview.sample = [{"type": rule.record_type, "id": record.pk, "title": record.title}
                      for record in matched[:SAMPLE_SIZE]]
    return preview
