from django.urls import URLPattern, URLResolver, path

from insights.api.views import AnalyticsSummaryView, DashboardTokenView, ScrapeStatusView

# config/urls.py includes these before papers' routes: papers/<arxiv_id>/ would take scrape-status/.
urlpatterns: list[URLPattern | URLResolver] = [
    path("papers/scrape-status/", ScrapeStatusView.as_view(), name="papers-scrape-status"),
    path("analytics/summary/", AnalyticsSummaryView.as_view(), name="analytics-summary"),
    path("analytics/token/", DashboardTokenView.as_view(), name="analytics-token"),
]
