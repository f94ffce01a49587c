import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { feedUrl } from "../api/core";
import { DayControl } from "../components/DayControl";
import { EmptyState } from "../components/EmptyState";
import { ErrorMessage } from "../components/ErrorMessage";
import { FacetChips } from "../components/FacetChips";
import { FeedLinks } from "../components/FeedLinks";
import { Loading } from "../components/Loading";
import { PaperCard } from "../components/PaperCard";
import { PaperFiltersForm } from "../components/PaperFiltersForm";
import { SampleDataBanner } from "../components/SampleDataBanner";
import { ScrapeStatusNote } from "../components/ScrapeStatusNote";
import { formatDate } from "../format";
import { useFeedLink } from "../hooks/useFeedLink";
import { usePageMeta } from "../hooks/usePageMeta";
import { useScrapeStatus } from "../hooks/usePaper";
import { usePaperFacets } from "../hooks/usePaperFacets";
import { EMPTY_FILTERS, filtersFromParams, filtersToParams, type PaperFilters, usePapers } from "../hooks/usePapers";

function isUnfiltered(filters: PaperFilters): boolean {
  return JSON.stringify(filters) === JSON.stringify(EMPTY_FILTERS);
}

export default function Papers() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const papers = usePapers(filters);
  const facets = usePaperFacets(filters);
  const apply = (next: PaperFilters) => setParams(filtersToParams(next));
  useFeedLink(filters.topic);
  const list = useMemo(() => papers.data?.pages.flatMap((page) => page.results) ?? [], [papers.data]);
  const count = papers.data?.pages[0]?.count ?? 0;
  // Past core's cap, `count` is the cap, not the number of matches.
  const capped = papers.data?.pages[0]?.count_capped ?? false;
  const noPapersAtAll = papers.isSuccess && count === 0 && isUnfiltered(filters);
  const scrape = useScrapeStatus(noPapersAtAll);
  usePageMeta({
    title: filters.topic ? `Papers on ${filters.topic}` : "AI papers",
    description:
      "New AI papers from arXiv, Hugging Face and Papers with Code, scored for relevance every day, with topics, tags and links to code.",
  });

  return (
    <section aria-labelledby="papers-heading">
      <h1 id="papers-heading">AI papers</h1>
      <SampleDataBanner kind="papers" show={list.some((paper) => paper.sample)} />
      <p className="papers-header-links">
        <Link to="/papers/saved">Saved papers</Link>
      </p>
      <p className="lead">
        New papers in AI, machine learning and language, gathered every day and scored for relevance to the owner's
        interests.
      </p>
      <PaperFiltersForm filters={filters} onChange={apply} />
      <DayControl day={filters.day} onChange={(day) => apply({ ...filters, day })} />
      {facets.data && <FacetChips facets={facets.data} filters={filters} onChange={apply} />}
      <FeedLinks topics={facets.data?.topics.map((topic) => topic.value) ?? []} />
      {papers.isPending && <Loading label="Loading papers…" />}
      {papers.error && !papers.isFetchNextPageError && (
        <ErrorMessage what="the papers" error={papers.error} onRetry={() => papers.refetch()} />
      )}
      {papers.isSuccess && (
        <p className="result-count" role="status" aria-live="polite">
          {count === 1 ? "1 paper" : `${count}${capped ? "+" : ""} papers`}
          {filters.search.trim() ? ` for “${filters.search.trim()}”` : ""}
          {filters.day ? ` published on ${formatDate(`${filters.day}T00:00:00Z`)}` : ""}
        </p>
      )}
      {filters.topic && (
        <p className="feed-subscribe">
          <a href={feedUrl(filters.topic)} type="application/atom+xml">
            Subscribe to {filters.topic}
          </a>{" "}
          <span className="muted">(Atom feed of the week's best papers on it)</span>
        </p>
      )}
      {noPapersAtAll && (
        <EmptyState>
          <p>
            No papers yet. They arrive from the daily scrape of arXiv, Hugging Face and Papers with Code; the first ones
            appear here after it has run.
          </p>
          <ScrapeStatusNote status={scrape} />
        </EmptyState>
      )}
      {papers.isSuccess && count === 0 && !noPapersAtAll && (
        <EmptyState>
          <p>No papers match these filters.</p>
        </EmptyState>
      )}
      {list.length > 0 && (
        <ol className="paper-list">
          {list.map((paper) => (
            <li key={paper.arxiv_id}>
              <PaperCard paper={paper} />
            </li>
          ))}
        </ol>
      )}
      {papers.hasNextPage && (
        <p>
          <button type="button" onClick={() => papers.fetchNextPage()} disabled={papers.isFetchingNextPage}>
            {papers.isFetchingNextPage ? "Loading more papers…" : "Load more papers"}
          </button>
        </p>
      )}
      {papers.isFetchNextPageError && papers.error && (
        <ErrorMessage what="more papers" error={papers.error} onRetry={() => papers.fetchNextPage()} />
      )}
    </section>
  );
}
