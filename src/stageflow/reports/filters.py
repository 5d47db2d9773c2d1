"""Query parameters (the API's, `stageflow export report`'s) as a report's `ReportFilters`:
every bad value is refused with the parameter named, before anything is computed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from stageflow.core.errors import InvalidInput
from stageflow.people.models import Office, User
from stageflow.pipelines.models import Pipeline
from stageflow.reports.base import ReportFilters, ReportSpec
from stageflow.reports.dimensions import dimension, split_keys


def _date(params: Mapping[str, str], name: str, errors: dict[str, str]) -> dt.date | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Not a date: write it as YYYY-MM-DD.")
        return None


def _number(params: Mapping[str, str], name: str, errors: dict[str, str]) -> int | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit():
        errors[name] = _("Not an id.")
        return None
    return int(text)


def parse_filters(spec: ReportSpec, params: Mapping[str, str],
                  record_type: str | None = None) -> ReportFilters:
    """The filters of `spec` from `params`; InvalidInput naming each bad parameter."""
    errors: dict[str, str] = {}
    kind = record_type or (params.get("record_type") or "").strip() or spec.record_types[0]
    if kind not in spec.record_types:
        errors["record_type"] = _("This report is about %(kinds)s.") % {
            "kinds": ", ".join(spec.record_types)}
    pipeline = (params.get("pipeline") or "").strip() or None
    if pipeline is not None and not Pipeline.objects.filter(key=pipeline,
                                                            record_type=kind).exists():
        errors["pipeline"] = _("No pipeline '%(key)s' for these records.") % {"key": pipeline}
    owner = _number(params, "owner", errors)
    if owner is not None and not User.objects.filter(pk=owner).exists():
        errors["owner"] = _("No such user.")
    office = _number(params, "office", errors)
    if office is not None and not Office.objects.filter(pk=office).exists():
        errors["office"] = _("No such office.")
    date_from, date_to = _date(params, "date_from", errors), _date(params, "date_to", errors)
    if date_from and date_to and date_from > date_to:
        errors["date_to"] = _("The end of the period is before its start.")
    as_of = _date(params, "as_of", errors)
    group_by = (params.get("group_by") or "").strip() or None
    if group_by is not None:
        keys = split_keys(group_by)
        unknown = [key for key in keys if key not in spec.group_by
                   and (not spec.multi_group or dimension(kind, key) is None)]
        if unknown or not keys or (len(keys) > 1 and not spec.multi_group):
            errors["group_by"] = _("Group by one of: %(keys)s.") % {
                "keys": ", ".join(spec.group_by)}
    if errors:
        raise InvalidInput(_("Some report filters are not valid."), fields=errors)
    return ReportFilters(record_type=kind, pipeline=pipeline, owner=owner, office=office,
                         source=(params.get("source") or "").strip() or None,
                         date_from=date_from, date_to=date_to, as_of=as_of,
                         group_by=group_by)


def applied(filters: ReportFilters, **filled_in: Any) -> dict[str, Any]:
    """The filters as a report echoes them, with the defaults it filled in."""
    return {**{name: getattr(filters, name) for name in ReportFilters.__slots__}, **filled_in}
