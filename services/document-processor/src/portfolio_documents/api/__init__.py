"""The document processor's HTTP API, one router per resource: processing (intake), jobs, documents
(with search), similar documents, and the outbox (the shared routes of ``portfolio_shared.outbox.api``,
for core's admin). Every route needs a service token (core, scraper or admin)."""

from portfolio_documents.api.routers import ROUTERS

__all__ = ["ROUTERS"]
