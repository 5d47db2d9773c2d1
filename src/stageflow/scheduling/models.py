"""Routes (crews or technicians) and the appointments planned on the schedule."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stageflow.accounts.models import Account, Contact
from stageflow.core.models import VersionedModel
from stageflow.people.models import Office
from stageflow.sales.models import Lead, Opportunity


class Route(VersionedModel):
    """A crew, van or technician's round that appointments are assigned to."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    colour = models.CharField(_("colour"), max_length=7, default="#3c71f7")
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("office"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="routes",
                                     verbose_name=_("members"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("route")
        verbose_name_plural = _("routes")

    def __str__(self) -> str:
        return self.name


class Appointment(VersionedModel):
    """A visit or meeting on a day, in a time window or promised within a date range."""

    class Status(models.TextChoices):
        UNASSIGNED = "unassigned", _("Unassigned")
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        ROLLED_OVER = "rolled_over", _("Rolled over")

    title = models.CharField(_("title"), max_length=200)
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="appointments", verbose_name=_("lead"))
    opportunity = models.ForeignKey(Opportunity, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="appointments",
                                    verbose_name=_("opportunity"))
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="appointments", verbose_name=_("customer"))
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("contact"))
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    promised_from = models.DateField(_("promised from"), null=True, blank=True)
    promised_to = models.DateField(_("promised until"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="appointments",
                                 verbose_name=_("assigned to"))
    route = models.ForeignKey(Route, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="appointments", verbose_name=_("route"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.UNASSIGNED)
    # How many times it was moved on because the day passed with the work unfinished.
    rolled_over_count = models.PositiveIntegerField(_("times rolled over"), default=0)
    public_notes = models.TextField(_("notes for the client"), blank=True, max_length=5000)
    private_notes = models.TextField(
        _("private notes"), blank=True, max_length=5000,
        help_text=_("Seen by staff only; never sent to the client."))
    address = models.TextField(_("address"), blank=True, max_length=1000)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("owner"))
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("office"))
    notify_on_assignment = models.BooleanField(
        _("notify the client when assigned"), default=False,
        help_text=_("Email the client the date as soon as a route or a person is assigned."))
    notified_at = models.DateTimeField(_("client notified"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["date", "start_time", "id"]
        indexes = [
            # The schedule's day and week views: one range of days, by route or by person.
            models.Index(fields=["date", "route"], name="appointment_day_route"),
            models.Index(fields=["date", "assignee"], name="appointment_day_assignee"),
            models.Index(fields=["status", "date"], name="appointment_status_day"),
            models.Index(fields=["opportunity"], condition=Q(opportunity__isnull=False),
                         name="appointment_opportunity"),
            models.Index(fields=["lead"], condition=Q(lead__isnull=False),
                         name="appointment_lead"),
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.title} ({self.date})"


class CalendarFeed(models.Model):
    """The secret address of one person's or one route's iCalendar feed.

    Calendar apps cannot sign in, so the token is the only key: it is random, shown only to its
    owner and to managers, and replacing or deleting the row ends the old address at once.
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.CASCADE, related_name="calendar_feed")
    route = models.OneToOneField(Route, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="calendar_feed")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False, route__isnull=True)
                           | Q(user__isnull=True, route__isnull=False)),
                name="calendar_feed_of_a_user_or_a_route"),
        ]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.route or self.user)
