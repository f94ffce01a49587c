import { Link } from "react-router";
import { type Paper, paperPath } from "../api/core";
import { formatAuthors, formatDate } from "../format";
import { paperProps, trackClick } from "../tracking/tracker";
import { AbstractPreview } from "./AbstractPreview";
import { PaperLinks } from "./PaperLinks";
import { PaperThumbnail } from "./PaperThumbnail";
import { RelevanceScore } from "./RelevanceScore";
import { SaveButton } from "./SaveButton";
import { TopicList } from "./TopicList";

/**
 * One paper in the list: image, title (to its page), authors, date, a preview of its summary or
 * abstract, topics, tags, score and links.
 * Opening it is a `result` click (it carries the search id); the paper page's own pageview is what
 * counts the paper as viewed, so a view is not counted twice.
 */
export function PaperCard({ paper }: { paper: Paper }) {
  const headingId = `paper-${paper.arxiv_id.replace(/[^A-Za-z0-9]/g, "-")}`;
  return (
    <article className="card paper-card" aria-labelledby={headingId}>
      <PaperThumbnail paper={paper} />
      <h2 id={headingId}>
        {paper.pinned && <span className="badge">Pinned</span>}
        <Link
          to={`/papers/${paperPath(paper.arxiv_id)}`}
          onClick={() => trackClick({ target: paper.arxiv_id, kind: "result", props: paperProps(paper) })}
        >
          {paper.title}
        </Link>
      </h2>
      <p className="paper-meta">
        <span>{formatAuthors(paper.authors)}</span>
        {paper.published && (
          <>
            {" · "}
            <time dateTime={paper.published}>{formatDate(paper.published)}</time>
          </>
        )}
        {paper.hf_upvotes ? ` · ${paper.hf_upvotes} upvotes` : ""}
      </p>
      <AbstractPreview paper={paper} />
      <TopicList label={`Topics of ${paper.title}`} items={paper.topics} filter="topic" />
      <TopicList label={`Tags of ${paper.title}`} items={paper.tags} filter="tag" />
      <RelevanceScore paper={paper} />
      <PaperLinks paper={paper} />
      <SaveButton paper={paper} named />
    </article>
  );
}
