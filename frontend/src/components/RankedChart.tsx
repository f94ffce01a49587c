import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Ranked } from "../api/analyticsData";
import { ChartTable } from "./ChartTable";

interface RankedChartProps {
  title: string;
  rows: readonly Ranked[];
  valueLabel: string;
  empty: string;
}

/** A horizontal bar chart of a top-N list, with the same numbers as a table for screen readers. */
export function RankedChart({ title, rows, valueLabel, empty }: RankedChartProps) {
  const data = rows.slice(0, 10).map((row) => ({ label: row.label, value: row.value }));
  return (
    <figure className="chart card">
      <figcaption>
        <h3>{title}</h3>
      </figcaption>
      {data.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <>
          <div className="chart-canvas" role="img" aria-label={`${title}: bar chart; the table below has the numbers`}>
            <ResponsiveContainer width="100%" height={Math.max(160, data.length * 32)}>
              <BarChart data={data} layout="vertical" margin={{ left: 8, right: 16 }}>
                <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke="var(--border)" />
                <XAxis type="number" allowDecimals={false} stroke="var(--muted)" />
                <YAxis type="category" dataKey="label" width={140} stroke="var(--muted)" tick={{ fontSize: 12 }} />
                <Tooltip contentStyle={{ background: "var(--surface)", borderColor: "var(--border)" }} />
                <Bar dataKey="value" name={valueLabel} fill="var(--accent)" maxBarSize={28} isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
          <ChartTable caption={title} columns={[title, valueLabel]} rows={data.map((row) => [row.label, row.value])} />
        </>
      )}
    </figure>
  );
}
