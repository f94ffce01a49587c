"""Uploaded files (the owner's photo, CV, project images) served by core itself."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.static import serve as serve_file


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """An uploaded file from MEDIA_ROOT (a local directory, or in production the uploads bucket
    mounted by Cloud Run), cacheable for a day. The owner's few images need no separate file server,
    and the bucket stays private: it also holds the document processor's uploads."""
    response = serve_file(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=86400"
    return response
