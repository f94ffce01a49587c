import type { AnalyticsSummary, AnalyticsTrending } from "../api/analytics";
import { dashboardPanels, isUnavailable, rangeCsv } from "../api/analyticsData";
import { downloadCsv } from "../csv";
import type { DashboardFilter } from "../dashboardUrl";
import { DashboardPanel } from "./DashboardPanel";
import { PageviewsChart } from "./PageviewsChart";

interface DashboardChartsProps {
  summary: AnalyticsSummary;
  trending: AnalyticsTrending | undefined;
  unavailable: readonly string[];
  rangeName: string;
  onFilter: (filter: DashboardFilter) => void;
}

/** Every chart and panel of the dashboard. Loaded lazily: Recharts is the largest dependency of the site. */
export default function DashboardCharts({ summary, trending, unavailable, rangeName, onFilter }: DashboardChartsProps) {
  return (
    <>
      <p className="dashboard-export">
        <button
          type="button"
          onClick={() => downloadCsv(`analytics-${rangeName}.csv`, rangeCsv(summary, trending, unavailable))}
        >
          Download all panels (CSV)
        </button>
      </p>
      <div className="charts">
        <PageviewsChart
          points={summary.timeseries.points}
          previous={summary.timeseries.previous}
          interval={summary.timeseries.interval}
        />
        {dashboardPanels(summary, trending).map((panel) => (
          <DashboardPanel
            key={panel.key}
            panel={panel}
            rangeName={rangeName}
            unavailable={isUnavailable(panel.key, unavailable)}
            onFilter={onFilter}
          />
        ))}
      </div>
    </>
  );
}
