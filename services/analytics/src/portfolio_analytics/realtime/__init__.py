"""Live state for the dashboard: active visitors and current pages, and what is broadcast to the
Socket.IO room of the dashboard. The Socket.IO server itself is wired in ``main.py``. Empty until the
analytics issue.
"""
