import type { Paper } from "../api/core";
import { formatNumber } from "../format";

/**
 * The scraper's default component weights (portfolio_scraper.enrich.score.ScoreWeights): relevance is
 * 100 · Σ weight·component / Σ weight. Segments are scaled so that they always add up to the stored
 * score, so a deployment with other weights still shows the right total and the components' order.
 */
export const COMPONENT_WEIGHTS: Record<string, number> = { interest: 0.5, community: 0.2, recency: 0.2, code: 0.1 };

export interface Segment {
  name: string;
  /** Points of the 0-100 score this component contributes. */
  points: number;
}

export function relevanceSegments(paper: Pick<Paper, "relevance" | "relevance_components">): Segment[] {
  // In the weights' order (stored JSON does not keep one), so a colour is always in the same place.
  const order = Object.keys(COMPONENT_WEIGHTS);
  const parts = Object.entries(paper.relevance_components ?? {})
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([name, value]) => ({ name, weighted: (COMPONENT_WEIGHTS[name] ?? 0) * Math.max(0, value) }))
    .filter((part) => part.weighted > 0);
  const sum = parts.reduce((total, part) => total + part.weighted, 0);
  if (sum <= 0) return [];
  return parts.map((part) => ({ name: part.name, points: (paper.relevance * part.weighted) / sum }));
}

/** Relevance as a small stacked bar of what each component contributes. */
export function RelevanceBar({ paper }: { paper: Pick<Paper, "relevance" | "relevance_components"> }) {
  const segments = relevanceSegments(paper);
  const label = `Relevance ${formatNumber(paper.relevance)} of 100${
    segments.length ? `: ${segments.map((s) => `${s.name} ${formatNumber(s.points)}`).join(", ")}` : ""
  }`;
  return (
    <div className="relevance-bar" role="img" aria-label={label}>
      {segments.map((segment) => (
        <span
          key={segment.name}
          className={`relevance-segment relevance-${segment.name}`}
          style={{ width: `${Math.min(100, segment.points)}%` }}
          title={`${segment.name}: ${formatNumber(segment.points)} points`}
        />
      ))}
    </div>
  );
}
