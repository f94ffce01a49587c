"""Delivery to core and the document processor through the outbox (bulk papers, the job webhook).

Empty until the scraper issue.
"""
