"""Scrape jobs: records in Postgres, run in-process, delivered through the outbox.

``runner.JobRunner`` submits and runs jobs; ``store`` writes them (one running job per source,
enforced by the database), ``finish`` ends them in one delivery transaction, ``report`` reads them
in the API's shapes, ``locks`` tells orphaned jobs from live ones, ``pipeline`` holds the window,
the per-source fetchers and the enrichment step.
"""
