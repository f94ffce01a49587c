"""Upstream clients and parsers, one module per source (``arxiv``, ``huggingface``, ``pwc``).

They fetch through ``httpx`` from the configurable base URLs and return normalised papers; they import
no web framework. Empty until the scraper issue.
"""
