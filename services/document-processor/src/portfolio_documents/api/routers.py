"""Every router of the API, in the order the app mounts them (re-exported by the package)."""

from portfolio_documents.api.documents import router as documents_router
from portfolio_documents.api.jobs import router as jobs_router
from portfolio_documents.api.processing import router as processing_router
from portfolio_documents.api.similar import router as similar_router
from portfolio_documents.config import SERVICE
from portfolio_shared.outbox.api import outbox_router

ROUTERS = (processing_router, jobs_router, documents_router, similar_router, outbox_router(SERVICE))
