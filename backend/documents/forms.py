"""The admin's forms that send work to the document processor."""

from __future__ import annotations

import re

from chatbot.api.serializers import MAX_MESSAGE_CHARS
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

_OWNER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")


class DocumentKeyField(forms.CharField):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            required=False,
            max_length=255,
            help_text="Optional stable key (e.g. cv:2026); the processor derives one when empty. "
            "The same key again replaces that document.",
            **kwargs,  # type: ignore[arg-type]
        )


class PdfUploadForm(forms.Form):
    file = forms.FileField(help_text="A PDF file.")
    title = forms.CharField(required=False, max_length=500)
    document_key = DocumentKeyField()

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        limit = settings.DOCUMENT_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(f"The file is larger than {limit // (1024 * 1024)} MB.")
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise ValidationError("This is not a PDF file.")
        return upload


class GithubRepoForm(forms.Form):
    repo = forms.CharField(
        max_length=300, help_text="owner/name or the repository's URL; its README is indexed."
    )
    document_key = DocumentKeyField()

    def clean_repo(self) -> str:
        repo: str = self.cleaned_data["repo"].strip()
        if _OWNER_NAME.match(repo):
            return repo
        try:
            URLValidator(schemes=["http", "https"])(repo)
        except ValidationError:
            raise ValidationError("Give the repository as owner/name or its URL.") from None
        return repo


class AskIndexForm(forms.Form):
    """A question for "Ask the index", as a visitor would ask the chatbot."""

    question = forms.CharField(max_length=MAX_MESSAGE_CHARS, widget=forms.TextInput(attrs={"size": 80}))
    paper_id = forms.CharField(
        required=False,
        max_length=40,
        label="Paper (arXiv id)",
        help_text="Optional: ask within one paper, as its page's chat does.",
    )
