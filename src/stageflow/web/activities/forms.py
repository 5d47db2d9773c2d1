from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stageflow.activities.models import Activity


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    due_at = forms.DateTimeField(label=_("Due / starts"), required=False,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    body = forms.CharField(label=_("Details"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
