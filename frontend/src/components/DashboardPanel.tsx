import type { Panel } from "../api/analyticsData";
import { downloadCsv, toCsv } from "../csv";
import type { DashboardFilter } from "../dashboardUrl";
import { FILTER_NAMES } from "./FilterChip";
import { TableHead } from "./TableHead";

interface DashboardPanelProps {
  panel: Panel;
  /** The range's short name, for the file name of the download. */
  rangeName: string;
  unavailable: boolean;
  onFilter: (filter: DashboardFilter) => void;
}

/** One ranked panel: a table with a bar per row, rows that set the filter, and its CSV download. */
export function DashboardPanel({ panel, rangeName, unavailable, onFilter }: DashboardPanelProps) {
  const headingId = `panel-${panel.key.replaceAll(".", "-")}`;
  const top = Math.max(1, ...panel.rows.map((row) => row.value));
  const shown = panel.rows.slice(0, 10);
  return (
    <section className="card panel" aria-labelledby={headingId}>
      <div className="panel-head">
        <h3 id={headingId}>{panel.title}</h3>
        {!unavailable && panel.rows.length > 0 && (
          <button
            type="button"
            className="secondary panel-export"
            aria-label={`CSV of ${panel.title}`}
            onClick={() =>
              downloadCsv(
                `analytics-${panel.key}-${rangeName}.csv`,
                toCsv(
                  panel.columns,
                  panel.rows.map((row) => [row.label, ...row.cells]),
                ),
              )
            }
          >
            CSV
          </button>
        )}
      </div>
      {unavailable ? (
        <p className="muted">Not available with this filter.</p>
      ) : shown.length === 0 ? (
        <p className="muted">{panel.empty}</p>
      ) : (
        <table className="panel-table">
          <caption className="visually-hidden">{panel.title}</caption>
          <TableHead columns={panel.columns} />
          <tbody>
            {shown.map((row) => (
              <tr key={row.label} style={{ "--share": `${(row.value / top) * 100}%` } as React.CSSProperties}>
                <th scope="row">
                  {row.filter ? (
                    <button
                      type="button"
                      className="row-filter"
                      title={`Filter by ${FILTER_NAMES[row.filter.kind].toLowerCase()} ${row.filter.value}`}
                      onClick={() => row.filter && onFilter(row.filter)}
                    >
                      {row.label}
                    </button>
                  ) : (
                    row.label
                  )}
                </th>
                {row.cells.map((cell, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells of a fixed column order
                  <td key={index}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {panel.note && !unavailable && <p className="muted">{panel.note}</p>}
    </section>
  );
}
