import { Link } from "react-router";
import { paperPath, type SimilarPaper } from "../api/core";
import { formatAuthors } from "../format";

/** Links to papers similar to the one shown; nothing at all when there are none to show. */
export function SimilarPapers({ papers }: { papers: SimilarPaper[] }) {
  if (papers.length === 0) return null;
  return (
    <section aria-labelledby="similar-heading" className="similar-papers">
      <h2 id="similar-heading">Similar papers</h2>
      <ul>
        {papers.map((paper) => (
          <li key={paper.arxiv_id}>
            <Link to={`/papers/${paperPath(paper.arxiv_id)}`}>{paper.title}</Link>
            <span className="muted"> · {formatAuthors(paper.authors)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
