import schema from "../../openapi/analytics.json";
import type { AnalyticsSummary, AnalyticsTrending } from "../api/analytics";

/** The analytics service's own example of a summary (its OpenAPI schema, from portfolio_shared.schemas.analytics). */
export function summaryExample(): AnalyticsSummary {
  return structuredClone(schema.components.schemas.AnalyticsSummary.examples[0]) as unknown as AnalyticsSummary;
}

/** A trending answer for the example's range, in the schema's shape. */
export function trendingExample(): AnalyticsTrending {
  return {
    period: "custom",
    from: "2026-03-02",
    to: "2026-03-03",
    generatedAt: "2026-03-03T12:00:00.000Z",
    sample: false,
    filter: null,
    unavailable: [],
    topics: [{ topic: "LLM agents", count: 9, baseline: 2, ratio: 3.3333 }],
    queries: [{ query: "mixture of experts", count: 4, baseline: 0, ratio: 5 }],
  };
}
