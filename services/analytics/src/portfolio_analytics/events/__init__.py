"""Event intake: validation, bot and opt-out filtering, client IP from ``TRUSTED_PROXY_COUNT``,
country from the GeoIP database, writes to Redis. Framework-free. Empty until the analytics issue.
"""
