"""The processing pipeline, framework-free: ``pipeline`` runs one job (``content`` gets its text:
``net`` fetches, ``pdf`` extracts; ``dedup`` decides "already stored?"), and ``index`` chunks,
stores and searches what it indexed. ``jobs``, ``sources``, ``storage`` and ``summarize`` are the
job rows, what a job processes, where uploads wait and a document's summary.
"""
