"""The document processor: PDFs, GitHub READMEs and text become chunks, embeddings in Chroma and a
Postgres keyword index, searched by hybrid retrieval. ``main.app`` is the API (port 8003);
``worker.app`` is the Celery application that does the processing."""
