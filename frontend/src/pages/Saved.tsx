import { Link } from "react-router";
import { paperPath } from "../api/core";
import { EmptyState } from "../components/EmptyState";
import { formatAuthors, formatDate } from "../format";
import { usePageMeta } from "../hooks/usePageMeta";
import { useSavedPapers } from "../hooks/useSavedPapers";

/** `/papers/saved`: the papers saved for later in this browser, newest first. */
export default function Saved() {
  usePageMeta({ title: "Saved papers" });
  const { saved, unsave } = useSavedPapers();
  return (
    <section aria-labelledby="saved-heading">
      <p>
        <Link to="/papers">← All papers</Link>
      </p>
      <h1 id="saved-heading">Saved papers</h1>
      <p className="lead">Papers you saved for later. They are kept in this browser only, with no account.</p>
      {saved.length === 0 ? (
        <EmptyState>Nothing saved yet. Open a paper and choose "Save for later".</EmptyState>
      ) : (
        <ul className="saved-papers" aria-label="Saved papers">
          {saved.map((paper) => (
            <li key={paper.arxiv_id} className="card">
              <h2>
                <Link to={`/papers/${paperPath(paper.arxiv_id)}`}>{paper.title}</Link>
              </h2>
              <p className="paper-meta">
                {formatAuthors(paper.authors)}
                {paper.published && (
                  <>
                    {" · "}
                    <time dateTime={paper.published}>{formatDate(paper.published)}</time>
                  </>
                )}
                {" · saved "}
                <time dateTime={paper.saved_at}>{formatDate(paper.saved_at)}</time>
              </p>
              <button type="button" className="secondary" onClick={() => unsave(paper.arxiv_id)}>
                Remove<span className="visually-hidden">: {paper.title}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
