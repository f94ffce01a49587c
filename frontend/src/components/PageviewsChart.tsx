import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { TimePoint } from "../api/analyticsData";
import { ChartTable } from "./ChartTable";

function tick(t: string, interval: string): string {
  return interval === "hour" ? t.slice(11, 16) : t.slice(5, 10);
}

/** Page views and visitors over the period (per hour for today, per day otherwise). */
export function PageviewsChart({ points, interval }: { points: readonly TimePoint[]; interval: string }) {
  const data = points.map((point) => ({ ...point, label: tick(point.t, interval) }));
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
            aria-label="Page views and visitors over time: line chart; the table below has the numbers"
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
            columns={[interval === "hour" ? "Hour" : "Day", "Page views", "Visitors"]}
            rows={data.map((point) => [point.t, point.pageViews, point.visitors])}
          />
        </>
      )}
    </figure>
  );
}
