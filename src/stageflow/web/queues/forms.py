"""The work queue form: the saved filter as a manager sees it; the service checks the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stageflow.accounts.models import CustomerStatus
from stageflow.people.models import Office
from stageflow.people.selectors import assignable_users
from stageflow.pipelines.models import Pipeline
from stageflow.pipelines.selectors import definition_of
from stageflow.queues.models import WorkQueue
from stageflow.sales.models import Status

NAME_LISTS = ("tags", "without_tags")


def _stage_choices() -> list[tuple[str, str]]:
    choices: dict[str, str] = {}
    for pipeline in Pipeline.objects.filter(live_version__isnull=False).select_related(
            "live_version"):
        assert pipeline.live_version is not None
        for stage in definition_of(pipeline.live_version).stages:
            choices.setdefault(stage.key, f"{pipeline.name}: {stage.label('en')}")
    return sorted(choices.items(), key=lambda item: item[1])


class WorkQueueForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    record_type = forms.ChoiceField(label=_("Lists"), choices=WorkQueue.RecordType.choices)
    tags = forms.CharField(label=_("Tagged with all of"), required=False,
                           help_text=_("Tag names separated by commas, such as Sales Followup."))
    without_tags = forms.CharField(label=_("Without any of these tags"), required=False)
    customer_statuses = forms.MultipleChoiceField(
        label=_("Customer status (accounts)"), required=False, choices=CustomerStatus.choices,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: any status."))
    statuses = forms.MultipleChoiceField(
        label=_("Status (leads and opportunities)"), required=False, choices=Status.choices,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: any status."))
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), required=False,
                                      queryset=Pipeline.objects.all(), to_field_name="key")
    stages = forms.MultipleChoiceField(label=_("Stages"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    owner_filter = forms.ChoiceField(label=_("Owned by"), choices=WorkQueue.OwnerFilter.choices)
    owner = forms.ModelChoiceField(label=_("The person"), required=False,
                                   queryset=assignable_users())
    office_filter = forms.ChoiceField(label=_("Office"), choices=WorkQueue.OfficeFilter.choices)
    office = forms.ModelChoiceField(label=_("The office"), required=False,
                                    queryset=Office.objects.all())
    age_basis = forms.ChoiceField(label=_("Age counted from"), choices=WorkQueue.AgeBasis.choices)
    max_age_days = forms.IntegerField(
        label=_("Age limit in days"), required=False, min_value=0,
        help_text=_("Older entries are flagged overdue. Empty for no limit."))
    slug = forms.CharField(label=_("Address name"), required=False, max_length=60,
                           help_text=_("Used in links and the API, such as sales-followup. "
                                       "Made from the name when empty."))
    position = forms.IntegerField(label=_("Position in the menu"), required=False, min_value=0,
                                  initial=0)

    def __init__(self, data: Any = None, *, queue: WorkQueue | None = None) -> None:
        initial: dict[str, Any] = {}
        if queue is not None:
            initial = {name: getattr(queue, name) for name in (
                "name", "record_type", "customer_statuses", "statuses", "stages",
                "owner_filter", "owner", "office_filter", "office", "age_basis",
                "max_age_days", "slug", "position")}
            initial.update({name: ", ".join(getattr(queue, name)) for name in NAME_LISTS})
            initial["pipeline"] = queue.pipeline.key if queue.pipeline else None
        super().__init__(data, initial=initial)
        stages = self.fields["stages"]
        assert isinstance(stages, forms.MultipleChoiceField)
        stages.choices = _stage_choices()

    def values(self) -> dict[str, Any]:
        """The cleaned form as the queue service takes it."""
        values = dict(self.cleaned_data)
        for name in NAME_LISTS:
            values[name] = [part.strip() for part in values[name].split(",") if part.strip()]
        for name in ("pipeline", "owner", "office"):
            values[name] = getattr(values[name], "key" if name == "pipeline" else "pk", None)
        values["position"] = values["position"] or 0
        return values
