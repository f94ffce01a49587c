import { Link } from "react-router";
import type { Citation } from "../api/core";
import { ExternalLink } from "./ExternalLink";

/** Our own pages (a project, a paper) open in the app; anything else is an outbound link. */
function CitationLink({ citation }: { citation: Citation }) {
  const url = citation.url;
  if (!url) return <span>{citation.title}</span>;
  if (url.startsWith(window.location.origin)) {
    return <Link to={url.slice(window.location.origin.length) || "/"}>{citation.title}</Link>;
  }
  if (url.startsWith("/")) return <Link to={url}>{citation.title}</Link>;
  return (
    <ExternalLink href={url} kind="citation">
      {citation.title}
    </ExternalLink>
  );
}

export function citationAnchor(turnId: number, index: number): string {
  return `turn-${turnId}-source-${index + 1}`;
}

export function CitationList({ turnId, citations }: { turnId: number; citations: readonly Citation[] }) {
  if (citations.length === 0) return null;
  return (
    <ol className="citations" aria-label="Sources">
      {citations.map((citation, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: an answer's citations never change; [n] refers to the position
        <li key={index} id={citationAnchor(turnId, index)}>
          <CitationLink citation={citation} />
          {citation.page ? <span className="muted"> (page {citation.page})</span> : null}
          <blockquote className="snippet">{citation.snippet}</blockquote>
        </li>
      ))}
    </ol>
  );
}
