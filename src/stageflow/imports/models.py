"""Import batches: an uploaded file, how its columns map to fields, what it did, and its undo."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ACCOUNT = "account", _("Accounts")
    CONTACT = "contact", _("Contacts")
    LEAD = "lead", _("Leads")
    OPPORTUNITY = "opportunity", _("Opportunities")


class Duplicates(models.TextChoices):
    SKIP = "skip", _("Skip the row")
    UPDATE = "update", _("Update the existing record")
    CREATE = "create", _("Create a new record anyway")


class ImportBatch(models.Model):
    """One uploaded file, imported once (after any number of dry runs) and perhaps undone."""

    class State(models.TextChoices):
        MAPPING = "mapping", _("Waiting for column mapping")
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking rows")
        WRITING = "writing", _("Importing")
        CHECKED = "checked", _("Dry run done")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    kind = models.CharField(_("record type"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.MAPPING)
    file = models.FileField(_("file"), upload_to="imports/")
    file_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=4)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list)
    # One field key per column, in column order; "" ignores the column.
    mapping = models.JSONField(default=list)
    duplicates = models.CharField(_("duplicates"), max_length=10, choices=Duplicates.choices,
                                  default=Duplicates.SKIP)
    good_rows_only = models.BooleanField(
        _("import the good rows"), default=False,
        help_text=_("Import the rows without errors and report the others. Off: any error "
                    "stops the whole import and nothing is written."))
    run_rules = models.BooleanField(
        _("run “created” automation rules"), default=False,
        help_text=_("Off by default, so migrating old records sends no messages."))
    dry_run = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    # [{"row", "column", "message"}] for rows that failed, then rows skipped as duplicates.
    problems = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("imported by"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", kwargs={"batch_id": self.pk})

    @property
    def percent(self) -> int:
        return min(100, self.processed_rows * 100 // self.total_rows) if self.total_rows else 0

    @property
    def busy(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.CHECKING, self.State.WRITING)


class ImportedRecord(models.Model):
    """A record a batch created or updated: what undo removes or puts back."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="records")
    object_id = models.BigIntegerField()
    created = models.BooleanField()
    # For an update, the values of the fields the import changed, as they were before.
    before = models.JSONField(default=dict, blank=True)
    version_after = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["batch", "created"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.object_id}"


class RememberedMapping(models.Model):
    """The mapping last used for files of one kind with the same header row."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    header_key = models.CharField(max_length=64)
    mapping = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "header_key"],
                                               name="unique_remembered_mapping")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.header_key[:8]}"
