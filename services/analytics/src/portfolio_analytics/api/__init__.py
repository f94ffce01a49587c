"""HTTP routes, one router per resource (``/events/...``, ``/metrics/...``, ``/export``).

Routes only translate HTTP. Empty until the analytics issue.
"""
