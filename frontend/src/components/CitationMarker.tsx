import { useId } from "react";
import type { Citation } from "../api/core";
import { citationAnchor } from "./CitationList";

/**
 * An answer's [n] marker: a link to the n-th source below the answer that shows the source's
 * snippet and page on hover or keyboard focus (the tip also describes the link to screen readers).
 */
export function CitationMarker({ n, turnId, citation }: { n: number; turnId: number; citation: Citation }) {
  const tipId = useId();
  return (
    <span className="citation-marker">
      <a href={`#${citationAnchor(turnId, n - 1)}`} aria-label={`source ${n}`} aria-describedby={tipId}>
        [{n}]
      </a>
      <span role="tooltip" id={tipId} className="citation-tip">
        <strong>{citation.title}</strong>
        {citation.page ? ` (page ${citation.page})` : ""}: {citation.snippet}
      </span>
    </span>
  );
}
