"""The admin's forms: start a scrape, re-run a failed source."""

from __future__ import annotations

from typing import get_args

from django import forms

from portfolio_shared.schemas import PaperSource, ScrapeSource

SOURCE_LABELS = {
    "all": "All sources",
    "arxiv": "arXiv",
    "huggingface": "Hugging Face",
    "pwc": "Papers with Code",
}


class ScrapeNowForm(forms.Form):
    source = forms.ChoiceField(choices=[(s, SOURCE_LABELS[s]) for s in get_args(ScrapeSource)], initial="all")
    days = forms.IntegerField(min_value=1, max_value=30, initial=1, help_text="How many days back, 1 to 30.")


class RerunForm(forms.Form):
    source = forms.ChoiceField(choices=[(s, SOURCE_LABELS[s]) for s in get_args(PaperSource)])
