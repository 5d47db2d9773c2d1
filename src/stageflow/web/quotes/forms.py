"""Forms of the quotes screens: they parse what was typed; the services decide what is valid."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from stageflow.quotes.models import PriceBookItem

DECIMAL_INPUT = {"inputmode": "decimal"}


class EstimateDetailsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    account = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=False,
                                     empty_value=None)
    contact = forms.TypedChoiceField(label=_("Addressed to"), coerce=int, required=False,
                                     empty_value=None)
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    notes = forms.CharField(label=_("Notes for the client"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    terms = forms.CharField(label=_("Terms"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}))
    private_notes = forms.CharField(
        label=_("Private notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the office only: never shown or sent to the client."))

    def __init__(self, *args: object, accounts: list[tuple[int | str, str]],
                 contacts: list[tuple[int | str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["account"].choices = [("", "—"), *accounts]  # type: ignore[attr-defined]
        self.fields["contact"].choices = [("", "—"), *contacts]  # type: ignore[attr-defined]


class LineForm(forms.Form):
    """One line as typed in the editor (a new free line, or a change to an existing one)."""

    description = forms.CharField(label=_("Description"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    quantity = forms.DecimalField(label=_("Quantity"), initial=Decimal(1), decimal_places=3,
                                  widget=forms.TextInput(attrs=DECIMAL_INPUT))
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    unit_price = forms.DecimalField(label=_("Unit price"), decimal_places=2,
                                    widget=forms.TextInput(attrs=DECIMAL_INPUT))
    discount_percent = forms.DecimalField(label=_("Discount %"), required=False,
                                          decimal_places=2,
                                          widget=forms.TextInput(attrs=DECIMAL_INPUT))
    tax_rate = forms.DecimalField(label=_("Tax %"), required=False, decimal_places=2,
                                  widget=forms.TextInput(attrs=DECIMAL_INPUT))


class PriceBookItemForm(forms.ModelForm):
    class Meta:
        model = PriceBookItem
        fields = ["code", "name", "description", "unit", "unit_price", "tax_rate", "category",
                  "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}),
                   "unit_price": forms.TextInput(attrs=DECIMAL_INPUT),
                   "tax_rate": forms.TextInput(attrs=DECIMAL_INPUT)}

    def validate_unique(self) -> None:
        """The service checks the code and says which item has it."""


class PriceBookImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), required=False,
                           help_text=_("Columns: code, name, description, unit, unit_price, "
                                       "tax_rate, category, active."))
    text = forms.CharField(label=_("Or paste the rows"), required=False,
                           widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}))
