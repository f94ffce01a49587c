"""``python -m portfolio_scraper scrape --source arxiv --days 3``, ``... backfill --days 30`` (``cli.py``)."""

import sys

from portfolio_scraper.cli import main

sys.exit(main())
