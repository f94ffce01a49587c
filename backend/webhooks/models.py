from django.db import models


class WebhookReceipt(models.Model):
    """One accepted webhook, keyed by its ``webhook-id`` so a redelivery is acknowledged, not re-acted on."""

    webhook_id = models.CharField(max_length=200, unique=True)
    sender = models.CharField(max_length=40)
    event_type = models.CharField(max_length=80)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["sender", "event_type", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.sender}:{self.event_type}:{self.webhook_id}"
