"""Uploaded files (the owner's photo, CV, project images) served by core itself."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.http import content_disposition_header
from django.views.static import serve as serve_file

#: Whatever a file turns out to be, a browser that opens it runs nothing and loads nothing with
#: core's origin: ``sandbox`` gives the document a unique origin, ``default-src 'none'`` no fetches.
MEDIA_CSP = "sandbox; default-src 'none'"


def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """An uploaded file from MEDIA_ROOT (a local directory, or in production the uploads bucket
    mounted by Cloud Run), cacheable for a day. The owner's few images need no separate file server,
    and the bucket stays private: it also holds the document processor's uploads.

    Every file is sent as an attachment with a sandboxing CSP, so an upload is never a page of
    core's origin; ``<img>`` ignores both, so the SPA's images still show.
    """
    response = serve_file(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=86400"
    filename = PurePosixPath(path).name
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response
