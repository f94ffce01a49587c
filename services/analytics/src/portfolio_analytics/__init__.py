"""Privacy-first analytics: page views, clicks, searches and engagement kept in Redis, summarised on
demand and streamed live over Socket.IO at ``/ws/realtime``. ``main.app`` is the ASGI application
(port 8002) serving both the HTTP API and Socket.IO."""
