import { useId, useState } from "react";
import type { Paper } from "../api/core";

/** Texts shorter than this fit in the two preview lines on most screens: no button for them. */
const FITS_TWO_LINES = 140;

/**
 * Two lines of the paper's AI summary (Hugging Face's, when there is one) or else its abstract,
 * expanded in place by a button that says whether it is expanded.
 */
export function AbstractPreview({ paper }: { paper: Paper }) {
  const [expanded, setExpanded] = useState(false);
  const id = useId();
  const summary = paper.ai_summary?.trim();
  const text = summary || paper.abstract.trim();
  if (!text) return null;
  const long = text.length > FITS_TWO_LINES;
  return (
    <div className="paper-preview">
      <p id={id} className={long && !expanded ? "preview-text preview-clamped" : "preview-text"}>
        {summary && <span className="preview-label">Summary: </span>}
        {text}
      </p>
      {long && (
        <button
          type="button"
          className="link-button"
          aria-expanded={expanded}
          aria-controls={id}
          // The visible words first, then which paper: every card has such a button.
          aria-label={`${expanded ? "Show less" : "Show more"} of the ${summary ? "summary" : "abstract"} of ${paper.title}`}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? "Show less" : "Show more"}
        </button>
      )}
    </div>
  );
}
