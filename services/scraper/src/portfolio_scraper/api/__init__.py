"""HTTP routes, one router per resource: ``/scrape`` (start, status, history), ``/classify`` (topics),
``/outbox`` (the shared routes of ``portfolio_shared.outbox.api``, for core's admin).

Routes only translate HTTP; the work lives in :mod:`portfolio_scraper.jobs`.
"""

from portfolio_scraper.api.routers import ROUTERS

__all__ = ["ROUTERS"]
