"""Forms for question sets and their questions; the service checks what they mean."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stageflow.pipelines.models import Pipeline
from stageflow.qualification.models import Question, QuestionSet
from stageflow.qualification.selectors import product_choices

YES_WORDS = {"yes": True, "no": False}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class QuestionSetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=QuestionSet.Purpose.choices)
    product = forms.ChoiceField(label=_("Product"), required=False,
                                help_text=_("Asked for this product only; empty for all."))
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), required=False, to_field_name="key",
        queryset=Pipeline.objects.filter(record_type="opportunity"),
        help_text=_("Asked in this pipeline only; empty for all."))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = self.fields["product"]
        assert isinstance(product, forms.ChoiceField)
        product.choices = [("", _("Every product")), *product_choices()]


class QuestionForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, required=False)
    # Not required: a row left without its question is simply skipped.
    text = forms.CharField(label=_("Question"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Answer"), choices=Question.Kind.choices)
    choices = forms.CharField(label=_("Choices"), required=False,
                              help_text=_("For a choice: the options, separated by commas."))
    needed_to_qualify = forms.BooleanField(label=_("Needed to qualify"), required=False)
    qualifying_answers = forms.CharField(
        label=_("Qualifying answers"), required=False,
        help_text=_("Yes or no, or the choices that qualify, separated by commas."))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        qualifying: list[Any] = _split(data["qualifying_answers"])
        if data["kind"] == Question.Kind.YES_NO:
            qualifying = [YES_WORDS.get(word.lower(), word) for word in qualifying]
        return {"key": data["key"] or None, "text": data["text"], "kind": data["kind"],
                "choices": _split(data["choices"]),
                "needed_to_qualify": data["needed_to_qualify"],
                "qualifying_answers": qualifying}


QuestionFormSet = forms.formset_factory(QuestionForm, extra=2, can_delete=True)


def question_initial(question: Question) -> dict[str, Any]:
    answers = question.qualifying_answers
    if question.kind == Question.Kind.YES_NO:
        answers = ["yes" if answer is True else "no" for answer in answers]
    return {"key": question.key, "text": question.text, "kind": question.kind,
            "choices": ", ".join(question.choices),
            "needed_to_qualify": question.needed_to_qualify,
            "qualifying_answers": ", ".join(str(answer) for answer in answers)}
