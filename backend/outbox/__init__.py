"""Core's outbox: the shared tables migrated into portfolio_core. Messages are added with
``portfolio_shared.outbox.enqueue(connection.cursor(), ...)`` inside the writing transaction and
delivered by ``python -m portfolio_shared.outbox --sender core`` (the `core-outbox` process)."""
