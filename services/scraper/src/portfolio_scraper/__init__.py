"""The paper scraper: arXiv, Hugging Face daily papers and Papers with Code, merged, scored and
delivered to core through the outbox. ``main.app`` is the ASGI application (port 8001)."""
