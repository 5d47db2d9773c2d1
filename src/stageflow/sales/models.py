"""Leads and opportunities: records that move through a pipeline, and what hangs off them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stageflow.accounts.models import Account, Contact
from stageflow.core.models import VersionedModel
from stageflow.people.models import Office
from stageflow.pipelines.models import Pipeline


class Tag(models.Model):
    """A label on leads, opportunities and accounts; work queues are built on tags."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    colour = models.CharField(_("colour"), max_length=7, default="#8899aa")
    # Declared here rather than on Account so that accounts stay below sales in the layers.
    accounts = models.ManyToManyField(Account, blank=True, related_name="tags")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    ARCHIVED = "archived", _("Archived")


class WorkflowRecord(VersionedModel):
    """What leads and opportunities share: a place in a pipeline version, people, and data."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner"))
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("office"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("account"))
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("main contact"))
    source = models.CharField(_("source"), max_length=60, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    priority = models.CharField(_("priority"), max_length=60, blank=True)
    attributes = models.JSONField(_("custom attributes"), default=dict, blank=True)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("pipeline"))
    pipeline_version = models.PositiveIntegerField(_("pipeline version"))
    stage = models.CharField(_("stage"), max_length=60)
    step = models.CharField(_("step"), max_length=60)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    stage_entered_at = models.DateTimeField(_("in stage since"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class Lead(WorkflowRecord):
    tags = models.ManyToManyField(Tag, blank=True, related_name="leads")
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A board column: one stage of a pipeline, most recently changed first.
            models.Index(fields=["pipeline", "stage", "updated_at"],
                         name="sales_lead_board_column"),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["office", "status"]),
            models.Index(fields=["title"]),
            # The automation scheduler's "not changed / in stage for N days" scans.
            models.Index(fields=["updated_at"]),
            models.Index(fields=["stage_entered_at"]),
        ]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def get_absolute_url(self) -> str:
        return reverse("records:lead_detail", kwargs={"record_id": self.pk})


class Opportunity(WorkflowRecord):
    tags = models.ManyToManyField(Tag, blank=True, related_name="opportunities")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2,
                                default=Decimal("0.00"))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(_("probability %"), null=True, blank=True)
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="opportunities", verbose_name=_("lead"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children", verbose_name=_("follow-on of"))
    proposed_solution = models.TextField(_("proposed solution"), blank=True, max_length=10000)
    close_reason = models.CharField(_("close reason"), max_length=60, blank=True)
    close_date = models.DateField(_("close date"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A board column: one stage of a pipeline, most recently changed first.
            models.Index(fields=["pipeline", "stage", "updated_at"],
                         name="sales_opp_board_column"),
            # The board's column heads (count and value per stage and currency, in the
            # viewer's scope) read this index alone, never the table.
            models.Index(fields=["pipeline", "stage", "currency", "value", "owner", "office"],
                         name="sales_opp_board_heads"),
            # Follow-ons of an opportunity. Almost every parent is NULL, which makes SQLite's
            # statistics rate the plain parent index useless; this one holds only real parents.
            models.Index(fields=["parent"], condition=Q(parent__isnull=False),
                         name="sales_opp_follow_ons"),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["office", "status"]),
            models.Index(fields=["title"]),
            # The automation scheduler's "not changed / in stage for N days" scans.
            models.Index(fields=["updated_at"]),
            models.Index(fields=["stage_entered_at"]),
        ]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")

    def get_absolute_url(self) -> str:
        return reverse("records:opportunity_detail", kwargs={"record_id": self.pk})


class RecordContact(models.Model):
    """A contact on a lead or an opportunity, with the role they play there."""

    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="contact_links")
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=60, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(lead__isnull=False, opportunity__isnull=True)
                           | Q(lead__isnull=True, opportunity__isnull=False)),
                name="record_contact_on_one_record"),
            models.UniqueConstraint(fields=["lead", "contact"], name="unique_lead_contact"),
            models.UniqueConstraint(fields=["opportunity", "contact"],
                                    name="unique_opportunity_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} ({self.role})"


class StageChange(models.Model):
    """One move of a record through its pipeline: the source of truth for funnel reports."""

    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="stage_changes")
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="stage_changes")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    pipeline_version = models.PositiveIntegerField()
    transition = models.CharField(max_length=80, blank=True)
    from_stage = models.CharField(max_length=60, blank=True)
    from_step = models.CharField(max_length=60, blank=True)
    to_stage = models.CharField(max_length=60)
    to_step = models.CharField(max_length=60)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    at = models.DateTimeField(db_index=True)
    seconds_in_previous = models.PositiveIntegerField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    forced = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The funnel counts a pipeline's moves by (from, to, status) from this index
            # alone, also up to an "as of" day and for a scope's records (stageflow.reports).
            models.Index(fields=["pipeline", "from_stage", "to_stage", "to_status", "at",
                                 "opportunity", "lead"], name="sales_stage_moves"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(lead__isnull=False, opportunity__isnull=True)
                           | Q(lead__isnull=True, opportunity__isnull=False)),
                name="stage_change_on_one_record"),
        ]

    def __str__(self) -> str:
        return f"{self.from_step or '∅'} → {self.to_step}"


class Competitor(models.Model):
    """Another agency or vendor bidding for the same opportunity (SalesTrack "Develop")."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE,
                                    related_name="competitors")
    name = models.CharField(_("name"), max_length=200)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "name"],
                                               name="unique_opportunity_competitor")]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


class SalesTeamMember(models.Model):
    """A colleague working an opportunity with its owner, with the part they play."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE,
                                    related_name="team_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=60, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"],
                                               name="unique_opportunity_team_member")]
        verbose_name = _("sales team member")
        verbose_name_plural = _("sales team members")

    def __str__(self) -> str:
        return f"{self.user} ({self.role})" if self.role else str(self.user)
