import type { AnalyticsSummary } from "../api/analytics";
import { formatChange, headlineFigures, isUnavailable } from "../api/analyticsData";

/** The period's headline numbers, each with ▲/▼ and its change against the previous period. */
export function SummaryFigures({
  summary,
  unavailable,
}: {
  summary: AnalyticsSummary;
  unavailable: readonly string[];
}) {
  return (
    <dl className="figures figures-grid">
      {headlineFigures(summary).map((figure) => {
        if (isUnavailable(figure.key, unavailable))
          return (
            <div key={figure.label}>
              <dt>{figure.label}</dt>
              <dd className="muted unavailable">Not available with this filter</dd>
            </div>
          );
        const change = formatChange(figure.change);
        return (
          <div key={figure.label}>
            <dt>{figure.label}</dt>
            <dd>{figure.value}</dd>
            <dd className={`change change-${change.direction}`}>
              <span aria-hidden="true">{change.text}</span>
              <span className="visually-hidden">{change.description}</span>
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
