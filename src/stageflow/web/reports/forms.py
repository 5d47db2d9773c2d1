"""The filter form of a report page: only the filters its spec lists, with choices from the
workspace. It parses single fields; `reports.filters.parse_filters` then turns them into
`ReportFilters`, so the page refuses exactly what the API refuses."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any, Final

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from stageflow.people.models import Office
from stageflow.people.selectors import assignable_users
from stageflow.pipelines.models import LookupValue, Pipeline
from stageflow.reports.base import ReportFilters, ReportSpec

DATE_INPUT: Final = {"type": "date"}
RECORD_TYPE_LABELS: Final = {"lead": _("Leads"), "opportunity": _("Opportunities")}
# Labels of the groupings reports commonly offer; any other key is shown as written.
GROUP_LABELS: Final = {
    "stage": _("Stage"), "owner": _("Owner"), "office": _("Office"), "source": _("Source"),
    "pipeline": _("Pipeline"), "month": _("Month"), "week": _("Week"), "kind": _("Type"),
    "type": _("Type"), "status": _("Status"), "close_reason": _("Lost reason"),
    "sales_rep": _("Salesperson"), "marketing_source": _("Source"),
}


def group_label(key: str) -> str:
    return str(GROUP_LABELS.get(key, key.replace("_", " ").capitalize()))


def _choices(rows: Any) -> list[tuple[str, str]]:
    return [(str(key), str(label)) for key, label in rows]


class ReportFilterForm(forms.Form):
    """Bound to the query string; every field is optional and an empty form is the report's
    default view (all visible records, the default pipeline where one is needed)."""

    def __init__(self, data: Any, *, spec: ReportSpec, record_types: tuple[str, ...]) -> None:
        super().__init__(data)
        self.spec = spec
        self.record_types = record_types
        listed = set(spec.filters)
        if len(record_types) > 1:
            self.fields["record_type"] = forms.ChoiceField(
                label=_("Records"), required=False,
                choices=[(kind, RECORD_TYPE_LABELS.get(kind, kind)) for kind in record_types])
        if "pipeline" in listed:
            pipelines = Pipeline.objects.filter(record_type__in=record_types)
            self.fields["pipeline"] = forms.ChoiceField(
                label=_("Pipeline"), required=False,
                choices=[("", _("Default or all")), *_choices(
                    (p.key, p.name if len(record_types) == 1
                     else f"{RECORD_TYPE_LABELS.get(p.record_type, p.record_type)}: {p.name}")
                    for p in pipelines)])
        if "owner" in listed:
            self.fields["owner"] = forms.ChoiceField(
                label=_("Owner"), required=False,
                choices=[("", _("Anyone")), *_choices(
                    (user.pk, user.get_full_name() or user.username)
                    for user in assignable_users().order_by("first_name", "username"))])
        if "office" in listed:
            self.fields["office"] = forms.ChoiceField(
                label=_("Office"), required=False,
                choices=[("", _("Any office")), *_choices(
                    Office.objects.values_list("pk", "name"))])
        if "source" in listed:
            sources = _choices(LookupValue.objects.filter(
                record_type__in=record_types, table=LookupValue.Table.SOURCE, active=True)
                .order_by("position", "label").values_list("key", "label").distinct())
            self.fields["source"] = (
                forms.ChoiceField(label=_("Source"), required=False,
                                  choices=[("", _("Any source")), *dict(sources).items()])
                if sources else forms.CharField(label=_("Source"), required=False,
                                                max_length=60))
        for name, label in (("date_from", _("From")), ("date_to", _("To")),
                            ("as_of", _("As of"))):
            if name in listed:
                self.fields[name] = forms.DateField(
                    label=label, required=False, widget=forms.DateInput(attrs=DATE_INPUT))
        if "as_of" in listed:
            self.fields["as_of"].help_text = _("Figures as they stood at the end of that day.")
        if spec.group_by:
            self.fields["group_by"] = forms.ChoiceField(
                label=_("Group by"), required=False,
                choices=[(key, group_label(key)) for key in spec.group_by])

    def params(self) -> dict[str, str]:
        """The valid form as query parameters for `reports.filters.parse_filters`, which
        checks what concerns several fields (the period, the pipeline's record type) for the
        page, the API and the command alike. The grouping defaults to the first offered, the
        one the form shows selected."""
        values = {name: value.isoformat() if isinstance(value, date) else str(value)
                  for name, value in self.cleaned_data.items() if value not in (None, "")}
        if self.spec.group_by:
            values.setdefault("group_by", self.spec.group_by[0])
        values.setdefault("record_type", self.record_types[0])
        return values


def filters_query(filters: ReportFilters) -> str:
    """The filters as a report page's query string (empty ones left out): for the downloads
    of what is shown, and for the dashboards' links to the full reports."""
    values = {field.name: getattr(filters, field.name) for field in fields(filters)}
    return urlencode({name: value.isoformat() if isinstance(value, date) else value
                      for name, value in values.items() if value not in (None, "")})
