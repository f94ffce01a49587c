"""HTTP routes, one router per resource: ``/scrape`` (start, status, history), ``/classify`` (topics),
``/outbox`` (the shared routes of ``portfolio_shared.outbox.api``, for core's admin).

Routes only translate HTTP; the work lives in :mod:`portfolio_scraper.jobs`.
"""

from portfolio_scraper.api.classify import router as classify_router
from portfolio_scraper.api.scrape import router as scrape_router
from portfolio_scraper.config import SERVICE
from portfolio_shared.outbox.api import outbox_router

ROUTERS = [scrape_router, classify_router, outbox_router(SERVICE)]
