// Readers for the analytics service's summary and realtime payloads. The service documents their
// shape in its README (DESIGN.md: pageViews {total, unique, byPage}, papers {mostViewed, mostShared,
// averageTimeOnPage}, searches {topQueries, clickThroughRate}, geography {countries, attribution}, realtime
// {activeUsers, currentPages}, visits, bounceRate, visitDuration, referrers, timeseries); its OpenAPI
// leaves the lists untyped, so these readers check every field and fall back to empty values rather
// than letting a missing list break the dashboard.

export interface Ranked {
  label: string;
  value: number;
}

export interface TimePoint {
  t: string;
  pageViews: number;
  visitors: number;
}

/** The credit the GeoIP database's licence asks of a page showing its countries: a link. */
export interface Attribution {
  text: string;
  url: string;
}

export interface DashboardSummary {
  period: string;
  /** The figures are the sample week a first `make run` loads, not real traffic. */
  sample: boolean;
  pageViews: { total: number; unique: number; byPage: Ranked[] };
  visits: number;
  bounceRate: number;
  visitDuration: number;
  referrers: Ranked[];
  papers: { mostViewed: Ranked[]; mostShared: Ranked[]; averageTimeOnPage: number };
  searches: { total: number; topQueries: Ranked[]; clickThroughRate: number };
  countries: Ranked[];
  /** Null when the service's database asks for none (or it has none). */
  geoAttribution: Attribution | null;
  realtime: RealtimeState;
  timeseries: { interval: string; points: TimePoint[] };
}

export interface RealtimeEvent {
  type: string;
  ts?: string;
  path?: string;
  country?: string;
}

export interface RealtimeState {
  activeUsers: number;
  currentPages: Ranked[];
  events: RealtimeEvent[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

// A paper's title (from core) names it when known, else its id.
const LABEL_KEYS = ["path", "title", "id", "query", "country", "source", "label", "name"];
const VALUE_KEYS = ["views", "visitors", "visits", "count", "shares", "value", "total"];

/** A ranked list from `[{path, views}]`-like rows, `[[label, n]]` pairs or a `{label: n}` map. */
export function readRanked(value: unknown): Ranked[] {
  let rows: Ranked[] = [];
  if (Array.isArray(value)) {
    for (const row of value) {
      if (Array.isArray(row) && row.length >= 2) {
        rows.push({ label: String(row[0]), value: num(row[1]) });
      } else if (isRecord(row)) {
        const labelKey = LABEL_KEYS.find((key) => row[key] !== undefined && row[key] !== null);
        const valueKey = VALUE_KEYS.find((key) => typeof row[key] === "number");
        if (labelKey) rows.push({ label: String(row[labelKey]), value: valueKey ? num(row[valueKey]) : 0 });
      } else if (typeof row === "string") {
        rows.push({ label: row, value: 1 });
      }
    }
  } else if (isRecord(value)) {
    rows = Object.entries(value).map(([label, n]) => ({ label, value: num(n) }));
  }
  return rows.sort((a, b) => b.value - a.value);
}

function readPoints(value: unknown): { interval: string; points: TimePoint[] } {
  const raw = isRecord(value) ? value.points : value;
  const interval = (isRecord(value) && str(value.interval)) || "day";
  const points: TimePoint[] = [];
  if (Array.isArray(raw)) {
    for (const point of raw) {
      if (!isRecord(point)) continue;
      const t = str(point.t) ?? str(point.date) ?? str(point.day);
      if (!t) continue;
      points.push({ t, pageViews: num(point.pageViews ?? point.views), visitors: num(point.visitors) });
    }
  }
  return { interval, points };
}

export function readRealtime(value: unknown): RealtimeState {
  const data = isRecord(value) ? value : {};
  const events: RealtimeEvent[] = [];
  if (Array.isArray(data.events)) {
    for (const event of data.events) {
      if (!isRecord(event) || typeof event.type !== "string") continue;
      const item: RealtimeEvent = { type: event.type };
      const ts = str(event.ts);
      const path = str(event.path);
      const country = str(event.country);
      if (ts) item.ts = ts;
      if (path) item.path = path;
      if (country) item.country = country;
      events.push(item);
    }
  }
  return { activeUsers: num(data.activeUsers), currentPages: readRanked(data.currentPages), events };
}

function readAttribution(value: unknown): Attribution | null {
  if (!isRecord(value)) return null;
  const text = str(value.text);
  const url = str(value.url);
  // Only a web link becomes an href.
  return text && url?.startsWith("https://") ? { text, url } : null;
}

export function readSummary(value: unknown): DashboardSummary {
  const data = isRecord(value) ? value : {};
  const pageViews = isRecord(data.pageViews) ? data.pageViews : {};
  const papers = isRecord(data.papers) ? data.papers : {};
  const searches = isRecord(data.searches) ? data.searches : {};
  const geography = isRecord(data.geography) ? data.geography : {};
  return {
    period: str(data.period) ?? "",
    sample: data.sample === true,
    pageViews: { total: num(pageViews.total), unique: num(pageViews.unique), byPage: readRanked(pageViews.byPage) },
    visits: num(data.visits),
    bounceRate: num(data.bounceRate),
    visitDuration: num(data.visitDuration),
    referrers: readRanked(data.referrers),
    papers: {
      mostViewed: readRanked(papers.mostViewed),
      mostShared: readRanked(papers.mostShared),
      averageTimeOnPage: num(papers.averageTimeOnPage),
    },
    searches: {
      total: num(searches.total),
      topQueries: readRanked(searches.topQueries),
      clickThroughRate: num(searches.clickThroughRate),
    },
    countries: readRanked(geography.countries),
    geoAttribution: readAttribution(geography.attribution),
    realtime: readRealtime(data.realtime),
    timeseries: readPoints(data.timeseries),
  };
}
