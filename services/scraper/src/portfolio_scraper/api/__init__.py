"""HTTP routes, one router per resource (``POST /scrape``, ``GET /scrape/status``, ``/scrape/history``).

Routes only translate HTTP; the work lives in the domain packages. Empty until the scraper issue.
"""
