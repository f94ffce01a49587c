"""HTTP routes, one router per resource (``/process/...``, ``/jobs``, ``/documents``, ``/search``).

Routes only translate HTTP and enqueue Celery tasks. Empty until the document-processing issue.
"""
