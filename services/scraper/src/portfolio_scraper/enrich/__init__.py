"""Merging by version-less arXiv id, categorising, tagging and relevance scoring. Framework-free.

Empty until the scraper issue.
"""
