import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TimePoint } from "../api/analytics";
import { ChartTable } from "./ChartTable";

function tick(t: string, interval: string): string {
  return interval === "hour" ? t.slice(11, 16) : t.slice(5, 10);
}

interface PageviewsChartProps {
  points: readonly TimePoint[];
  /** The previous period's points, index for index; null when that period is not retained. */
  previous: readonly TimePoint[] | null;
  interval: string;
}

/** Page views and visitors over the period (per hour for today, per day otherwise), and the previous period faintly. */
export function PageviewsChart({ points, previous, interval }: PageviewsChartProps) {
  const data = points.map((point, index) => ({
    t: point.t,
    pageViews: point.pageViews,
    visitors: point.visitors,
    previousPageViews: previous?.[index]?.pageViews ?? null,
    label: tick(point.t, interval),
  }));
  return (
    <figure className="chart card chart-wide">
      <figcaption>
        <h3>Page views over time</h3>
      </figcaption>
      {data.length === 0 ? (
        <p className="muted">No page views in this period.</p>
      ) : (
        <>
          <div
            className="chart-canvas"
            role="img"
            aria-label={`Page views and visitors over time${previous ? ", with the previous period's page views" : ""}: line chart; the table below has the numbers`}
          >
            <ResponsiveContainer width="100%" height={240}>
              <LineChart data={data} margin={{ left: 0, right: 16, top: 8 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                <XAxis dataKey="label" stroke="var(--muted)" />
                <YAxis allowDecimals={false} stroke="var(--muted)" />
                <Tooltip contentStyle={{ background: "var(--surface)", borderColor: "var(--border)" }} />
                <Legend />
                <Line
                  type="linear"
                  dataKey="pageViews"
                  name="Page views"
                  stroke="var(--accent)"
                  dot={{ r: 2 }}
                  isAnimationActive={false}
                />
                {previous && (
                  <Line
                    type="linear"
                    dataKey="previousPageViews"
                    name="Page views, previous period"
                    stroke="var(--muted)"
                    strokeOpacity={0.6}
                    strokeDasharray="4 4"
                    dot={false}
                    isAnimationActive={false}
                  />
                )}
                <Line
                  type="linear"
                  dataKey="visitors"
                  name="Visitors"
                  stroke="var(--accent-2)"
                  dot={{ r: 2 }}
                  isAnimationActive={false}
                />
              </LineChart>
            </ResponsiveContainer>
          </div>
          <ChartTable
            caption="Page views over time"
            columns={[
              interval === "hour" ? "Hour" : "Day",
              "Page views",
              "Visitors",
              ...(previous ? ["Page views, previous period"] : []),
            ]}
            rows={data.map((point) => [
              point.t,
              point.pageViews,
              point.visitors,
              ...(previous ? [point.previousPageViews ?? ""] : []),
            ])}
          />
        </>
      )}
    </figure>
  );
}
