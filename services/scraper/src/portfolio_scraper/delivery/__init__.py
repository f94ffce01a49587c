"""Delivery to core and the document processor through the outbox (bulk papers, PDFs, the job webhook),
and the record of what was already sent (``seen``)."""
