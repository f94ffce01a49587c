"""``python -m portfolio_documents ingest PATH_OR_URL...`` (see :mod:`portfolio_documents.cli`)."""

import sys

from portfolio_documents.cli import main

sys.exit(main())
