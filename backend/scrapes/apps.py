from django.apps import AppConfig


class ScrapesConfig(AppConfig):
    """The owner's control of the scraper: scrape now, the live job list, the relevance keywords."""

    name = "scrapes"
    verbose_name = "Scraping"
