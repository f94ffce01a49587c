"""Aggregations read from Redis: the summary, popular papers, trending topics and queries, and the
realtime snapshot. Framework-free; the layout they read is in the service README.
"""

from portfolio_analytics.metrics.realtime import realtime_snapshot

__all__ = ["realtime_snapshot"]
