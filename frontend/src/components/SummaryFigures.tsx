import type { DashboardSummary } from "../api/analyticsData";
import { formatNumber } from "../format";

function percent(ratio: number): string {
  return `${formatNumber(ratio * 100, 1)}%`;
}

function seconds(value: number): string {
  return value >= 60 ? `${Math.floor(value / 60)} min ${Math.round(value % 60)} s` : `${formatNumber(value, 1)} s`;
}

/** The period's headline numbers. */
export function SummaryFigures({ summary }: { summary: DashboardSummary }) {
  const figures: [string, string][] = [
    ["Page views", formatNumber(summary.pageViews.total)],
    ["Unique visitors", formatNumber(summary.pageViews.unique)],
    ["Visits", formatNumber(summary.visits)],
    ["Bounce rate", percent(summary.bounceRate)],
    ["Average visit", seconds(summary.visitDuration)],
    ["Average time on a page", seconds(summary.papers.averageTimeOnPage)],
    ["Searches", formatNumber(summary.searches.total)],
    ["Search click-through rate", percent(summary.searches.clickThroughRate)],
  ];
  return (
    <dl className="figures figures-grid">
      {figures.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
