from django.contrib import admin

from stageflow.communications.models import MessageTemplate, OutboxMessage


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "record_type", "active", "version", "updated_at")
    list_filter = ("kind", "record_type", "active")
    search_fields = ("key", "subject")
    readonly_fields = ("version", "created_at", "updated_at")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "status", "to", "subject", "attempts", "created_at",
                    "sent_at")
    list_filter = ("status", "channel", "record_type")
    search_fields = ("to", "subject", "idempotency_key", "source")
    raw_id_fields = ("template", "created_by")
    # Delivery state is the worker's: changing it here would defeat the exactly-once claim.
    readonly_fields = ("status", "attempts", "next_attempt_at", "claimed_until", "last_error",
                       "skip_reason", "idempotency_key", "created_at", "sent_at")
