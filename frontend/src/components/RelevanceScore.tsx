import type { Paper } from "../api/core";
import { formatNumber } from "../format";
import { RelevanceBar } from "./RelevanceBar";

// The scraper scores relevance 0-100 from four components in [0, 1] (portfolio_scraper.enrich.score);
// unknown components are still listed, by their own name.
const COMPONENT_TEXT: Record<string, string> = {
  interest: "Match with the owner's interests",
  community: "Community attention (upvotes, GitHub stars)",
  recency: "How recent it is",
  code: "Code available",
};

export function componentLabel(name: string): string {
  return COMPONENT_TEXT[name] ?? name.replace(/_/g, " ");
}

/** The score, a stacked bar of its components and, on request, what each one is. */
export function RelevanceScore({ paper }: { paper: Paper }) {
  const components = Object.entries(paper.relevance_components ?? {});
  return (
    <div className="relevance">
      <span className="relevance-score">
        Relevance <strong>{formatNumber(paper.relevance)}</strong>
        <span className="muted">/100</span>
      </span>
      <RelevanceBar paper={paper} />
      {components.length > 0 && (
        <details className="relevance-details">
          <summary>Why this score</summary>
          <ul className="relevance-list">
            {components.map(([name, value]) => (
              <li key={name}>
                <span className={`relevance-swatch relevance-${name}`} aria-hidden="true" />
                {componentLabel(name)}: <strong>{formatNumber(value * 100)}%</strong>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
