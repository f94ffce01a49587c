"""Development: `make run`."""

from config.settings.base import *  # noqa: F403

DEBUG = False  # JSON error pages even locally; the admin and Swagger UI still work
ALLOWED_HOSTS = ["*"]
