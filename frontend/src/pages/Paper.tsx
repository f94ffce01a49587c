import { useEffect, useRef } from "react";
import { Link, useLocation, useParams } from "react-router";
import { paperPath } from "../api/core";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { PaperLinks } from "../components/PaperLinks";
import { RelevanceScore } from "../components/RelevanceScore";
import { SampleDataBanner } from "../components/SampleDataBanner";
import { SaveButton } from "../components/SaveButton";
import { ShareButton } from "../components/ShareButton";
import { SimilarPapers } from "../components/SimilarPapers";
import { TopicList } from "../components/TopicList";
import { formatDate } from "../format";
import { usePageMeta } from "../hooks/usePageMeta";
import { usePaper, useSimilarPapers } from "../hooks/usePaper";
import { paperProps, trackClick, trackPageview } from "../tracking/tracker";
import NotFound from "./NotFound";

/** `/papers/:arxivId`; the id is the rest of the path, since old-style ids contain a slash. */
export function arxivIdFromPath(splat: string | undefined): string {
  return (splat ?? "").replace(/\/+$/, "").replace(/v\d+$/, "");
}

export default function Paper() {
  const arxivId = arxivIdFromPath(useParams()["*"]);
  const paper = usePaper(arxivId);
  const data = paper.data;
  const similar = useSimilarPapers(arxivId, paper.isSuccess);
  usePageMeta({
    title: data?.title ?? `Paper ${arxivId}`,
    ...(data ? { description: data.ai_summary || data.abstract } : {}),
    type: "article",
  });

  // This page's pageview waits for the paper, so it can say which paper and topics were viewed.
  const { pathname } = useLocation();
  const tracked = useRef("");
  useEffect(() => {
    if (paper.isPending || tracked.current === pathname) return;
    tracked.current = pathname;
    trackPageview(pathname, document.title, data ? paperProps(data) : undefined);
  }, [pathname, paper.isPending, data]);

  if (!arxivId || paper.error?.status === 404) return <NotFound what="paper" />;
  return (
    <article className="paper">
      <p>
        <Link to="/papers">← All papers</Link>
      </p>
      {paper.isPending && (
        <>
          <h1>Paper {arxivId}</h1>
          <Loading label="Loading the paper…" />
        </>
      )}
      {paper.error && (
        <>
          <h1>Paper {arxivId}</h1>
          <ErrorMessage what="the paper" error={paper.error} onRetry={() => paper.refetch()} />
        </>
      )}
      {data && (
        <>
          <SampleDataBanner kind="papers" show={data.sample} />
          <h1>{data.title}</h1>
          <p className="paper-meta">
            {data.authors.join(", ")}
            {data.published && (
              <>
                {" · "}
                <time dateTime={data.published}>{formatDate(data.published)}</time>
              </>
            )}
            {" · "}arXiv {data.arxiv_id}
            {data.primary_category ? ` · ${data.primary_category}` : ""}
            {data.organization ? ` · ${data.organization}` : ""}
          </p>
          <div className="paper-actions">
            <Link
              className="button"
              to={`/chat?${new URLSearchParams({ paper: data.arxiv_id })}`}
              onClick={() => trackClick({ target: data.arxiv_id, kind: "ask", props: paperProps(data) })}
            >
              Ask about this paper
            </Link>
            <ShareButton
              url={`${window.location.origin}/papers/${paperPath(data.arxiv_id)}`}
              target={data.arxiv_id}
              title={data.title}
              props={paperProps(data)}
            />
            <SaveButton paper={data} />
          </div>
          <TopicList label="Topics" items={data.topics} filter="topic" />
          <TopicList label="Tags" items={data.tags} filter="tag" />
          <RelevanceScore paper={data} />
          {data.ai_summary && (
            <section aria-labelledby="summary-heading">
              <h2 id="summary-heading">Summary</h2>
              <p>{data.ai_summary}</p>
            </section>
          )}
          <section aria-labelledby="abstract-heading">
            <h2 id="abstract-heading">Abstract</h2>
            <p className="abstract">{data.abstract}</p>
          </section>
          <section aria-labelledby="links-heading">
            <h2 id="links-heading">Read it</h2>
            <PaperLinks paper={data} />
            {data.comment && <p className="muted">{data.comment}</p>}
            {data.journal_ref && <p className="muted">{data.journal_ref}</p>}
          </section>
          <SimilarPapers papers={similar.data?.results ?? []} />
        </>
      )}
    </article>
  );
}
