"""Every router of the API, in the order the app mounts them (re-exported by the package)."""

from portfolio_scraper.api.classify import router as classify_router
from portfolio_scraper.api.scrape import router as scrape_router
from portfolio_scraper.config import SERVICE
from portfolio_shared.outbox.api import outbox_router

ROUTERS = [scrape_router, classify_router, outbox_router(SERVICE)]
