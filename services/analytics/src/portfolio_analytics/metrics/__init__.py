"""Aggregations read from Redis: summary, popular and trending pages, time series, retention of raw
events (``RAW_EVENT_RETENTION_DAYS``). Framework-free. Empty until the analytics issue.
"""
