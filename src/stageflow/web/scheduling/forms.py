"""Forms of the schedule screens: an appointment, a route, and "days out"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stageflow.people.models import Office, User
from stageflow.people.selectors import assignable_users
from stageflow.scheduling.models import Route


class AppointmentForm(forms.Form):
    title = forms.CharField(label=_("What"), max_length=200, required=False,
                            help_text=_("Left empty, it is called after the customer."))
    date = forms.DateField(label=_("Date"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("From"), required=False,
                                 widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Until"), required=False,
                               widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1,
                                          max_value=24 * 60, initial=60)
    promised_from = forms.DateField(label=_("Promised from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    promised_to = forms.DateField(label=_("Promised until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    route = forms.ModelChoiceField(label=_("Route"), queryset=Route.objects.none(),
                                   required=False, empty_label=_("No route"))
    assignee = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none(),
                                      required=False, empty_label=_("Nobody"))
    address = forms.CharField(label=_("Address"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Left empty, the customer's service address."))
    public_notes = forms.CharField(label=_("Notes for the client"), required=False,
                                   max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    private_notes = forms.CharField(
        label=_("Private notes"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Seen by staff only; never sent to the client."))
    notify_on_assignment = forms.BooleanField(
        label=_("Email the client when a route or person is assigned"), required=False)

    def __init__(self, *args: Any, routes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        route_field = self.fields["route"]
        assert isinstance(route_field, forms.ModelChoiceField)
        route_field.queryset = routes if routes is not None else Route.objects.none()
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ModelChoiceField)
        assignee_field.queryset = assignable_users().order_by("first_name", "username")


class RouteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    colour = forms.CharField(label=_("Colour"), max_length=7, initial="#3c71f7",
                             widget=forms.TextInput(attrs={"type": "color"}))
    office = forms.ModelChoiceField(label=_("Office"), queryset=Office.objects.all(),
                                    required=False, empty_label=_("Any office"))
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=User.objects.none(), required=False,
        help_text=_("The technicians who work this route."))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = assignable_users().order_by("first_name", "username")


class DaysOutForm(forms.Form):
    days_out = forms.IntegerField(
        label=_("Days out"), min_value=0, max_value=365,
        help_text=_("New appointments are proposed this many days after today."))
