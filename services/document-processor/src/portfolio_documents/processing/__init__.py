"""The processing pipeline, framework-free: ``fetch`` (URL, GitHub, upload), ``extract`` (PDF and
Markdown to text), ``chunk`` (at most ~240 embedding tokens), ``embed`` (the configured provider) and
``store`` (Chroma plus the Postgres keyword index). Empty until the document-processing issue.
"""
