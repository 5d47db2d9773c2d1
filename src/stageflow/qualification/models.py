"""Qualification and profile questions per product or pipeline, answered per opportunity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stageflow.core.models import VersionedModel
from stageflow.pipelines.models import Pipeline
from stageflow.sales.models import Opportunity


class QuestionSet(VersionedModel):
    """A list of questions for opportunities of one product and/or pipeline (or for all)."""

    class Purpose(models.TextChoices):
        QUALIFICATION = "qualification", _("Qualification")
        PROFILE = "profile", _("Profile")

    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=15, choices=Purpose.choices,
                               default=Purpose.QUALIFICATION)
    product = models.CharField(
        _("product"), max_length=60, blank=True,
        help_text=_("Asked for opportunities of this product only. Empty for every product."))
    pipeline = models.ForeignKey(
        Pipeline, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("pipeline"),
        help_text=_("Asked in this pipeline only. Empty for every pipeline."))
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["purpose", "position", "name", "id"]
        verbose_name = _("question set")
        verbose_name_plural = _("question sets")

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes or no")
        CHOICE = "choice", _("Choice")
        NUMBER = "number", _("Number")
        TEXT = "text", _("Text")

    question_set = models.ForeignKey(QuestionSet, on_delete=models.CASCADE,
                                     related_name="questions")
    key = models.SlugField(_("key"), max_length=60)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind of answer"), max_length=10, choices=Kind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    needed_to_qualify = models.BooleanField(_("needed to qualify"), default=False)
    # Yes/no: [true] or [false]; choice: some of the choices; number and text: empty, so that
    # any answer qualifies.
    qualifying_answers = models.JSONField(_("qualifying answers"), default=list, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["question_set", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question_set", "key"], name="unique_question_key"),
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class Answer(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE,
                                    related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField(_("answer"))
    answered_at = models.DateTimeField(_("answered"))
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["question__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "question"],
                                    name="one_answer_per_question"),
        ]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"
