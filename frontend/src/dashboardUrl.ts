import type { DashboardQuery, PresetPeriod } from "./api/analytics";

// The dashboard's view (range and filter) lives in the URL query, so a view can be shared and
// reloaded: `period=30d`, or `from=YYYY-MM-DD&to=YYYY-MM-DD`, and `filter=<kind>:<value>`.

export const PRESETS: readonly { value: PresetPeriod; label: string }[] = [
  { value: "today", label: "Today" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "90d", label: "90 days" },
  { value: "365d", label: "365 days" },
];
export const DEFAULT_PERIOD: PresetPeriod = "7d";
/** The analytics service keeps its aggregates for the 400 days ending today (ANALYTICS_AGGREGATE_RETENTION_DAYS). */
export const RETENTION_DAYS = 400;

export const FILTER_KINDS = ["page", "source", "country", "topic", "campaign"] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];
export interface DashboardFilter {
  kind: FilterKind;
  value: string;
}

export type DashboardRange = { period: PresetPeriod } | { from: string; to: string };
export interface DashboardState {
  range: DashboardRange;
  filter: DashboardFilter | null;
}

const DAY_MS = 86_400_000;

/** Today's UTC day, YYYY-MM-DD. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

function dayNumber(day: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const time = Date.parse(`${day}T00:00:00Z`);
  // Date.parse rolls 2026-02-30 over to March: only a day that prints back the same is a calendar day.
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== day) return null;
  return time / DAY_MS;
}

/** The first day a custom range may start on: the oldest of the retained days. */
export function oldestDay(today: string): string {
  return new Date(((dayNumber(today) ?? 0) - (RETENTION_DAYS - 1)) * DAY_MS).toISOString().slice(0, 10);
}

/** Why `from`–`to` is not a range the service answers, or null when it is. */
export function rangeError(from: string, to: string, today: string = todayUtc()): string | null {
  const start = dayNumber(from);
  const end = dayNumber(to);
  if (start === null || end === null) return "Enter both days as dates.";
  if (start > end) return "The first day must not be after the last.";
  if (end > (dayNumber(today) ?? end)) return "The last day must not be after today.";
  if (from < oldestDay(today))
    return `Only the last ${RETENTION_DAYS} days are kept: start on ${oldestDay(today)} or later.`;
  return null;
}

export function parseFilter(text: string | null): DashboardFilter | null {
  if (!text) return null;
  const colon = text.indexOf(":");
  if (colon < 0) return null;
  const kind = text.slice(0, colon);
  const value = text.slice(colon + 1);
  if (!value || !(FILTER_KINDS as readonly string[]).includes(kind)) return null;
  return { kind: kind as FilterKind, value };
}

export function formatFilter(filter: DashboardFilter): string {
  return `${filter.kind}:${filter.value}`;
}

/** The view a URL asks for; anything invalid falls back to the default period and no filter. */
export function readDashboardState(params: URLSearchParams, today: string = todayUtc()): DashboardState {
  const filter = parseFilter(params.get("filter"));
  const from = params.get("from");
  const to = params.get("to") ?? today;
  if (from && rangeError(from, to, today) === null) return { range: { from, to }, filter };
  const period = params.get("period");
  const preset = PRESETS.find((option) => option.value === period);
  return { range: { period: preset ? preset.value : DEFAULT_PERIOD }, filter };
}

/** `params` with the view's keys replaced (other keys, such as `share`, are kept). */
export function writeDashboardState(params: URLSearchParams, state: DashboardState): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of ["period", "from", "to", "filter"]) next.delete(key);
  if ("period" in state.range) next.set("period", state.range.period);
  else {
    next.set("from", state.range.from);
    next.set("to", state.range.to);
  }
  if (state.filter) next.set("filter", formatFilter(state.filter));
  return next;
}

/** The `/metrics/*` query of a view. */
export function metricsQuery(state: DashboardState): DashboardQuery {
  const query: DashboardQuery =
    "period" in state.range ? { period: state.range.period } : { from: state.range.from, to: state.range.to };
  if (state.filter) query.filter = formatFilter(state.filter);
  return query;
}

/** A short name of the range for file names and headings. */
export function rangeName(range: DashboardRange): string {
  return "period" in range ? range.period : `${range.from}_${range.to}`;
}
