"""Message templates, and the outbox through which every email, text message and webhook leaves.

An outbox row is written in the same transaction as the change that caused it; a worker
delivers it afterwards, so a rolled-back change sends nothing and a crash loses nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stageflow.core.models import VersionedModel


class TemplateRecordType(models.TextChoices):
    LEAD = "lead", _("Leads")
    OPPORTUNITY = "opportunity", _("Opportunities")
    ACCOUNT = "account", _("Accounts")
    CONTACT = "contact", _("Contacts")


class MessageTemplate(VersionedModel):
    """A text people write once and send many times, filled in from a record (Jinja2)."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        DOCUMENT = "document", _("Document")

    key = models.SlugField(_("key"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.EMAIL)
    names = models.JSONField(_("names"), default=dict, blank=True,
                             help_text=_("Name per language code, e.g. {\"en\": \"Thanks\"}."))
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body = models.TextField(_("body"), max_length=100_000)
    record_type = models.CharField(_("record type"), max_length=20, blank=True,
                                   choices=TemplateRecordType.choices,
                                   help_text=_("Leave empty to offer it on every record type."))
    visible_at_stages = models.JSONField(
        _("offered at stages"), default=list, blank=True,
        help_text=_("Stage keys; empty means every stage."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.name((get_language() or "en").split("-")[0])

    def name(self, lang: str) -> str:
        names = self.names or {}
        return str(names.get(lang) or names.get("en") or self.key)


class OutboxMessage(models.Model):
    """One message to deliver exactly once, whatever happens to the process sending it."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    to = models.CharField(_("to"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    body = models.TextField(_("body"), blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    template = models.ForeignKey(MessageTemplate, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="messages",
                                 verbose_name=_("template"))
    record_type = models.CharField(_("record type"), max_length=20, blank=True)
    record_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True,
                                           db_index=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    skip_reason = models.TextField(_("reason not sent"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to or '∅'} ({self.get_status_display()})"
