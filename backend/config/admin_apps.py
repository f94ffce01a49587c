"""The admin app config core installs in place of ``django.contrib.admin`` (no model imports here:
app configs are imported before the app registry is ready)."""

from django.contrib.admin.apps import AdminConfig


class PortfolioAdminConfig(AdminConfig):
    """``admin.site`` becomes a :class:`config.admin_site.PortfolioAdminSite` (throttled login)."""

    default_site = "config.admin_site.PortfolioAdminSite"
