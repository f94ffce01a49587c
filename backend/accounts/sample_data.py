"""The sample set a first run shows, loaded and removed as one: the sample papers (``papers.sample``),
the sample PDF (``documents.sample``) and the analytics service's sample week (``insights.sample``).

``make run`` loads it once every service answers, on an empty papers table (``SAMPLE_DATA=false``
turns that off); ``manage.py load_sample_data`` / ``remove_sample_data`` and the papers admin's
"Remove all sample data" action do it by hand. Loading needs the scraper (topics), the document
processor (the PDF) and analytics running; removal reaches the index through the outbox, so only
the sample traffic needs analytics up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from documents.sample import load_sample_pdf, remove_sample_pdf
from insights.sample import load_sample_traffic, remove_sample_traffic
from papers.models import Paper
from papers.sample import Classify, load_sample_papers, remove_sample_papers
from papers.topics import classify as scraper_classify
from portfolio_shared.errors import PortfolioError
from portfolio_shared.schemas import JobAccepted


@dataclass
class SampleReport:
    """What one load or removal did, part by part; ``failed`` holds the parts that could not."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def run(self, part: str, action: Callable[[], str]) -> None:
        try:
            self.done.append(f"{part}: {action()}")
        except PortfolioError as exc:
            self.failed.append(f"{part}: {exc}")


def database_is_empty() -> bool:
    """No paper at all, real or sample: a first run."""
    return not Paper.objects.exists()


def load_sample_data(*, classify: Classify = scraper_classify) -> SampleReport:
    """Load (or refresh: each part is idempotent) the whole sample set."""
    report = SampleReport()

    def papers() -> str:
        result = load_sample_papers(classify=classify)
        return f"{result.created} new, {result.updated} updated, {result.unchanged} unchanged"

    def pdf() -> str:
        submitted = load_sample_pdf()
        return "sent for indexing" if isinstance(submitted, JobAccepted) else "already indexed"

    def traffic() -> str:
        answer = load_sample_traffic()
        return f"{answer.get('events', 0)} events of {answer.get('visitors', 0)} visitors"

    report.run("sample papers", papers)
    report.run("sample PDF", pdf)
    report.run("sample analytics traffic", traffic)
    return report


def remove_sample_data() -> SampleReport:
    """Remove the whole sample set: papers and their index entries, the PDF, the sample traffic."""
    report = SampleReport()
    report.run("sample papers", lambda: f"{remove_sample_papers()} deleted (and their index entries)")
    report.run("sample PDF", lambda: "deleted" if remove_sample_pdf() else "not known to core; deletion sent")
    report.run(
        "sample analytics traffic", lambda: f"{remove_sample_traffic().get('deleted', 0)} keys deleted"
    )
    return report
