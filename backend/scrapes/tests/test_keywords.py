"""Relevance keywords: edited in the admin (validated), served to the scraper on core's internal API
(service auth, caller ``scraper`` only); and the admin's "View site" and live dashboard links."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from portfolio_shared.auth import dev_signing_key, issue_token
from scrapes.models import RelevanceKeyword

pytestmark = pytest.mark.django_db

URL = "/api/internal/relevance-keywords/"
ADD = "admin:scrapes_relevancekeyword_add"
CHANGELIST = "admin:scrapes_relevancekeyword_changelist"


def bearer(caller: str, audience: str = "core") -> dict[str, str]:
    token = issue_token(issuer=caller, audience=audience, key=dev_signing_key(caller))
    return {"Authorization": f"Bearer {token}"}


def test_keywords_are_added_and_edited_in_the_admin_with_their_weights(client: Client, owner: Any) -> None:
    response = client.post(reverse(ADD), {"term": "  retrieval   augmented  ", "weight": "2.5"})
    assert response.status_code == 302, response.content
    keyword = RelevanceKeyword.objects.get()
    assert (keyword.term, keyword.weight) == ("retrieval augmented", 2.5)

    # Unique whatever the case; weights within the range the scraper accepts.
    duplicate = client.post(reverse(ADD), {"term": "Retrieval Augmented", "weight": "1"})
    assert duplicate.status_code == 200 and "This keyword exists already." in duplicate.content.decode()
    for weight in ("0", "5.5", "heavy"):
        refused = client.post(reverse(ADD), {"term": "agents", "weight": weight})
        assert refused.status_code == 200 and refused.context["adminform"].form.errors["weight"]
    assert RelevanceKeyword.objects.count() == 1

    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200 and "INTEREST_KEYWORDS" in page.content.decode()
    # The weight is edited in the list itself.
    edited = client.post(
        reverse(CHANGELIST),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(keyword.pk),
            "form-0-weight": "0.5",
            "_save": "Save",
        },
    )
    assert edited.status_code == 302
    keyword.refresh_from_db()
    assert keyword.weight == 0.5


def test_the_scraper_reads_the_keywords_heaviest_first(api: APIClient) -> None:
    RelevanceKeyword.objects.create(term="agents", weight=1.0)
    RelevanceKeyword.objects.create(term="retrieval", weight=3.0)
    response = api.get(URL, headers=bearer("scraper"))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "keywords": [{"term": "retrieval", "weight": 3.0}, {"term": "agents", "weight": 1.0}]
    }
    assert response["Cache-Control"] == "no-store"


def test_no_keywords_is_an_empty_list(api: APIClient) -> None:
    assert api.get(URL, headers=bearer("scraper")).json() == {"keywords": []}


def test_the_keywords_need_the_scrapers_service_token(api: APIClient) -> None:
    missing = api.get(URL)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "token_missing"
    other = api.get(URL, headers=bearer("analytics"))
    assert other.status_code == 403 and other.json()["error"]["code"] == "caller_not_allowed"
    wrong_audience = api.get(URL, headers=bearer("scraper", audience="documents"))
    assert wrong_audience.status_code == 401


def test_view_site_goes_to_the_spa_and_the_admin_links_the_live_dashboard(
    client: Client, owner: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://portfolio.example.org"
    html = client.get(reverse("admin:index")).content.decode()
    assert 'href="https://portfolio.example.org/"' in html  # "View site"
    assert 'href="https://portfolio.example.org/analytics" id="live-dashboard-link"' in html
    assert 'href="/"' not in html
