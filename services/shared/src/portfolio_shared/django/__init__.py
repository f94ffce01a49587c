"""Django glue of the shared plumbing: request ids, metrics, health views and JSON error pages."""
