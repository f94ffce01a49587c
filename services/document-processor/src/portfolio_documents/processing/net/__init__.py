"""Outbound fetching that cannot be turned against us: which addresses a fetch may reach
(``guard``), one checked GET (``safe_http``) and what a job fetches with it (``fetch``).
"""
