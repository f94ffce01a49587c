import type { DashboardSummary } from "../api/analyticsData";
import { formatNumber } from "../format";
import { PageviewsChart } from "./PageviewsChart";
import { RankedChart } from "./RankedChart";

/** Every chart of the dashboard. Loaded lazily: Recharts is the largest dependency of the site. */
export default function DashboardCharts({ summary }: { summary: DashboardSummary }) {
  return (
    <div className="charts">
      <PageviewsChart points={summary.timeseries.points} interval={summary.timeseries.interval} />
      <RankedChart title="Top pages" rows={summary.pageViews.byPage} valueLabel="Views" empty="No page views yet." />
      <RankedChart
        title="Top papers"
        rows={summary.papers.mostViewed}
        valueLabel="Views"
        empty="No paper has been viewed yet."
      />
      <RankedChart title="Countries" rows={summary.countries} valueLabel="Visits" empty="No visits yet." />
      <figure className="chart card">
        <figcaption>
          <h3>Top searches</h3>
        </figcaption>
        <p>
          Click-through rate: <strong>{formatNumber(summary.searches.clickThroughRate * 100, 1)}%</strong> of{" "}
          {formatNumber(summary.searches.total)} searches led to a click.
        </p>
        {summary.searches.topQueries.length === 0 ? (
          <p className="muted">No searches yet.</p>
        ) : (
          <ol className="ranked">
            {summary.searches.topQueries.slice(0, 10).map((row) => (
              <li key={row.label}>
                {row.label} <span className="muted">{row.value}</span>
              </li>
            ))}
          </ol>
        )}
      </figure>
      <RankedChart title="Referrers" rows={summary.referrers} valueLabel="Visits" empty="No referrers yet." />
    </div>
  );
}
