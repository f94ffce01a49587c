from django.contrib import admin

from webhooks.models import WebhookReceipt


@admin.register(WebhookReceipt)
class WebhookReceiptAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("received_at", "sender", "event_type", "webhook_id")
    list_filter = ("sender", "event_type")
    search_fields = ("webhook_id",)
    readonly_fields = ("webhook_id", "sender", "event_type", "payload", "received_at")
