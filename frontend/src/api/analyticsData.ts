// Presentation of the typed /metrics answers (src/api/analytics.ts): the dashboard's panels as rows,
// the headline figures with their change, and the filter state of an answer. One list of panels
// serves the page, each panel's CSV and the whole range's CSV.
import { type CsvCell, toCsv } from "../csv";
import type { DashboardFilter, FilterKind } from "../dashboardUrl";
import { formatNumber } from "../format";
import type { AnalyticsSummary, AnalyticsTrending, FigureChange, PeriodComparison } from "./analytics";

export interface PanelRow {
  /** What the row is about, as shown (a path, a country code, a paper's title, ...). */
  label: string;
  /** The numbers after the label, in the panel's column order. */
  cells: (string | number)[];
  /** The number the row's bar is drawn from. */
  value: number;
  /** The filter a click on the row sets, when its panel maps to one. */
  filter?: DashboardFilter;
}

export interface Panel {
  /** The summary field the panel shows; also what `unavailable` names (see `isUnavailable`). */
  key: string;
  title: string;
  columns: string[];
  rows: PanelRow[];
  empty: string;
  /** Shown under the table: e.g. the click-through rate of the searches. */
  note?: string;
}

function rows<T>(
  items: readonly T[],
  label: (item: T) => string,
  value: (item: T) => number,
  filter?: (item: T) => DashboardFilter,
  extra: (item: T) => (string | number)[] = (item) => [value(item)],
): PanelRow[] {
  return items.map((item) => {
    const row: PanelRow = { label: label(item), cells: extra(item), value: value(item) };
    if (filter) row.filter = filter(item);
    return row;
  });
}

/** A row sets the filter `kind` to its own label. */
function byLabel<T>(kind: FilterKind, label: (item: T) => string): (item: T) => DashboardFilter {
  return (item) => ({ kind, value: label(item) });
}

/** A paper's row filters by its page on this site. */
function paperPage(paper: { id: string }): DashboardFilter {
  return { kind: "page", value: `/papers/${paper.id}` };
}

/** A panel of visits per value (most panels): one label column and "Visits". */
function visitsPanel<T extends { visits: number }>(
  key: string,
  title: string,
  column: string,
  items: readonly T[],
  label: (item: T) => string,
  empty: string,
  filterKind?: FilterKind,
): Panel {
  const filter = filterKind ? byLabel(filterKind, label) : undefined;
  return { key, title, columns: [column, "Visits"], rows: rows(items, label, (r) => r.visits, filter), empty };
}

export function percent(ratio: number): string {
  return `${formatNumber(ratio * 100, 1)}%`;
}

export function seconds(value: number): string {
  return value >= 60 ? `${Math.floor(value / 60)} min ${Math.round(value % 60)} s` : `${formatNumber(value, 1)} s`;
}

/** "×2.5": how much a trending item rose against its baseline. */
export function rise(ratio: number): string {
  return `×${formatNumber(ratio, 1)}`;
}

/** Every ranked panel of the dashboard, in the order shown. */
export function dashboardPanels(summary: AnalyticsSummary, trending: AnalyticsTrending | undefined): Panel[] {
  const { geography, utm, devices, papers, searches } = summary;
  return [
    {
      key: "pageViews.byPage",
      title: "Top pages",
      columns: ["Page", "Views"],
      rows: rows(
        summary.pageViews.byPage,
        (r) => r.path,
        (r) => r.views,
        byLabel("page", (r) => r.path),
      ),
      empty: "No page views yet.",
    },
    visitsPanel("entryPages", "Entry pages", "Page", summary.entryPages, (r) => r.path, "No visits yet.", "page"),
    visitsPanel("exitPages", "Exit pages", "Page", summary.exitPages, (r) => r.path, "No visits yet.", "page"),
    visitsPanel("referrers", "Referrers", "Source", summary.referrers, (r) => r.source, "No visits yet.", "source"),
    visitsPanel("utm.sources", "UTM sources", "utm_source", utm.sources, (r) => r.source, "No visits with utm_source."),
    visitsPanel("utm.mediums", "UTM media", "utm_medium", utm.mediums, (r) => r.medium, "No visits with utm_medium."),
    visitsPanel(
      "utm.campaigns",
      "UTM campaigns",
      "utm_campaign",
      utm.campaigns,
      (r) => r.campaign,
      "No visits with utm_campaign.",
      "campaign",
    ),
    visitsPanel(
      "geography.countries",
      "Countries",
      "Country",
      geography.countries,
      (r) => r.country,
      "No visits yet.",
      "country",
    ),
    {
      key: "geography.cities",
      title: "Cities",
      columns: ["City", "Country", "Visits"],
      rows: rows(
        geography.cities,
        (r) => r.city,
        (r) => r.visits,
        // A city filters by its country (the filter has no city kind).
        (r) => ({ kind: "country", value: r.country }),
        (r) => [r.country, r.visits],
      ),
      empty: "No visits yet.",
    },
    visitsPanel("devices.browsers", "Browsers", "Browser", devices.browsers, (r) => r.browser, "No visits yet."),
    visitsPanel(
      "devices.operatingSystems",
      "Operating systems",
      "Operating system",
      devices.operatingSystems,
      (r) => r.os,
      "No visits yet.",
    ),
    visitsPanel("devices.deviceClasses", "Devices", "Device", devices.deviceClasses, (r) => r.device, "No visits yet."),
    {
      key: "papers.mostViewed",
      title: "Most viewed papers",
      columns: ["Paper", "Views"],
      // Core names a paper by its title; an id core does not know stays an id.
      rows: rows(
        papers.mostViewed,
        (r) => r.title ?? r.id,
        (r) => r.views,
        paperPage,
      ),
      empty: "No paper has been viewed yet.",
    },
    {
      key: "papers.mostShared",
      title: "Most shared papers",
      columns: ["Paper", "Shares"],
      rows: rows(
        papers.mostShared,
        (r) => r.title ?? r.id,
        (r) => r.shares,
        paperPage,
      ),
      empty: "No paper has been shared yet.",
    },
    {
      key: "trending.topics",
      title: "Trending topics",
      columns: ["Topic", "Count", "Before", "Rise"],
      rows: rows(
        trending?.topics ?? [],
        (r) => r.topic,
        (r) => r.count,
        byLabel("topic", (r) => r.topic),
        (r) => [r.count, r.baseline, rise(r.ratio)],
      ),
      empty: "No topic is rising.",
    },
    {
      key: "trending.queries",
      title: "Trending searches",
      columns: ["Query", "Count", "Before", "Rise"],
      rows: rows(
        trending?.queries ?? [],
        (r) => r.query,
        (r) => r.count,
        undefined,
        (r) => [r.count, r.baseline, rise(r.ratio)],
      ),
      empty: "No search is rising.",
    },
    {
      key: "searches.topQueries",
      title: "Top searches",
      columns: ["Query", "Searches"],
      rows: rows(
        searches.topQueries,
        (r) => r.query,
        (r) => r.count,
      ),
      empty: "No searches yet.",
      note: `Click-through rate: ${percent(searches.clickThroughRate)} of ${formatNumber(searches.total)} searches led to a click.`,
    },
  ];
}

export interface Figure {
  label: string;
  value: string;
  /** The summary field (for `unavailable`). */
  key: string;
  change: FigureChange | null;
}

/** The period's headline numbers, each with its change against the previous period. */
export function headlineFigures(summary: AnalyticsSummary): Figure[] {
  const c: PeriodComparison | null = summary.comparison;
  return [
    {
      label: "Unique visitors",
      key: "pageViews.unique",
      value: formatNumber(summary.pageViews.unique),
      change: c?.uniqueVisitors ?? null,
    },
    {
      label: "Page views",
      key: "pageViews.total",
      value: formatNumber(summary.pageViews.total),
      change: c?.pageViews ?? null,
    },
    { label: "Visits", key: "visits", value: formatNumber(summary.visits), change: c?.visits ?? null },
    { label: "Bounce rate", key: "bounceRate", value: percent(summary.bounceRate), change: c?.bounceRate ?? null },
    {
      label: "Average visit",
      key: "visitDuration",
      value: seconds(summary.visitDuration),
      change: c?.visitDuration ?? null,
    },
    {
      label: "Average time on a page",
      key: "papers.averageTimeOnPage",
      value: seconds(summary.papers.averageTimeOnPage),
      change: c?.averageTimeOnPage ?? null,
    },
    {
      label: "Searches",
      key: "searches.total",
      value: formatNumber(summary.searches.total),
      change: c?.searches ?? null,
    },
    {
      label: "Search click-through rate",
      key: "searches.clickThroughRate",
      value: percent(summary.searches.clickThroughRate),
      change: c?.clickThroughRate ?? null,
    },
  ];
}

export type ChangeDirection = "up" | "down" | "flat" | "none";

export interface FormattedChange {
  direction: ChangeDirection;
  /** "▲ 12.5%", "▼ 3%", "0%", or "–" when there is nothing to compare with. */
  text: string;
  /** The same for a screen reader, with the previous figure. */
  description: string;
}

/** A figure's change against the previous period: ▲/▼ and the relative change, neutral when unknown. */
export function formatChange(change: FigureChange | null | undefined): FormattedChange {
  if (!change) return { direction: "none", text: "–", description: "No previous period to compare with." };
  // `change` is null when the previous figure is 0 (the schema's example leaves it out then).
  if (typeof change.change !== "number")
    return {
      direction: "none",
      text: "–",
      description: `Nothing in the previous period (${formatNumber(change.previous, 2)}).`,
    };
  const rounded = Math.abs(change.change * 100);
  const amount = `${formatNumber(rounded, rounded < 10 ? 1 : 0)}%`;
  const previous = `previous period ${formatNumber(change.previous, 2)}`;
  if (change.change > 0)
    return { direction: "up", text: `▲ ${amount}`, description: `Up ${amount} on the ${previous}.` };
  if (change.change < 0)
    return { direction: "down", text: `▼ ${amount}`, description: `Down ${amount} on the ${previous}.` };
  return { direction: "flat", text: "0%", description: `Unchanged from the ${previous}.` };
}

/** The filter an answer applied and the panels it does not apply to (issue 18's filter contract). */
export interface FilterState {
  filter: DashboardFilter | null;
  unavailable: string[];
}

/** `filter` and `unavailable` of a /metrics answer: the filter it applied and the panels it could not. */
export function readFilterState(answer: AnalyticsSummary | AnalyticsTrending | undefined): FilterState {
  const filter = answer?.filter ? ({ kind: answer.filter.kind, value: answer.filter.value } as DashboardFilter) : null;
  return { filter, unavailable: [...(answer?.unavailable ?? [])] };
}

/** Whether `key` (e.g. `utm.campaigns`) or a field holding it (`utm`) is listed as unavailable. */
export function isUnavailable(key: string, unavailable: readonly string[]): boolean {
  return unavailable.some((item) => item === key || key.startsWith(`${item}.`));
}

/** The whole range as one CSV: a `panel` column, then each row's label, the column's name and its value. */
export function rangeCsv(
  summary: AnalyticsSummary,
  trending: AnalyticsTrending | undefined,
  unavailable: readonly string[],
): string {
  const rows: CsvCell[][] = [];
  for (const figure of headlineFigures(summary)) {
    if (!isUnavailable(figure.key, unavailable)) rows.push(["figures", figure.label, "value", figure.value]);
  }
  for (const point of summary.timeseries.points) {
    rows.push(
      ["timeseries", point.t, "Page views", point.pageViews],
      ["timeseries", point.t, "Visitors", point.visitors],
    );
  }
  for (const panel of dashboardPanels(summary, trending)) {
    if (isUnavailable(panel.key, unavailable)) continue;
    for (const row of panel.rows) {
      row.cells.forEach((cell, index) => {
        rows.push([panel.title, row.label, panel.columns[index + 1] ?? "", cell]);
      });
    }
  }
  return toCsv(["panel", "label", "column", "value"], rows);
}
