from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from webhooks.api.views import WebhookView

urlpatterns = [
    path(
        "scraper-complete/",
        csrf_exempt(WebhookView.as_view(sender="scraper")),
        name="webhook-scraper-complete",
    ),
    path(
        "document-processed/",
        csrf_exempt(WebhookView.as_view(sender="documents")),
        name="webhook-document-processed",
    ),
]
