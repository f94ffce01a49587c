"""HTTP routes, one router per resource: ``/scrape`` (start, status, history).

Routes only translate HTTP; the work lives in :mod:`portfolio_scraper.jobs`.
"""

from portfolio_scraper.api.scrape import router as scrape_router

ROUTERS = [scrape_router]
