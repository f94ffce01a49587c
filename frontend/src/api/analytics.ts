import { config } from "./config";
import type { components, operations, paths } from "./generated/analytics";
import { fetchJson, queryString } from "./http";

// Typed from the analytics service's OpenAPI schema (src/api/generated/analytics.ts, `npm run
// api:generate`): a renamed or removed field of /metrics/* fails the typecheck.
type Schemas = components["schemas"];
export type AnalyticsSummary = Schemas["AnalyticsSummary"];
export type AnalyticsTrending = Schemas["AnalyticsTrending"];
export type FigureChange = Schemas["FigureChange"];
export type PeriodComparison = Schemas["PeriodComparison"];
export type TimePoint = Schemas["TimePoint"];
export type GeoAttribution = Schemas["GeoAttribution"];
export type Realtime = Schemas["Realtime"];
/** The query every `/metrics/*` route takes (`period`, or `from`/`to`; `limit`). */
export type MetricsQuery = NonNullable<operations["get_summary_metrics_summary_get"]["parameters"]["query"]>;
export type PresetPeriod = NonNullable<MetricsQuery["period"]>;

/** The body the service accepts at `POST /events/<kind>` as text/plain (what a beacon sends). */
type EventBody<Path extends keyof paths> = paths[Path]["post"] extends {
  requestBody: { content: { "text/plain": infer Body } };
}
  ? Body
  : never;

export type EventKind = "pageview" | "click" | "search" | "engagement";
export type EventProps = NonNullable<EventBody<"/events/pageview">["props"]>;

// What this site sends of each event: the schema's fields, with those it always sets made required.
export interface EventBodies {
  pageview: EventBody<"/events/pageview"> & { path: string };
  click: EventBody<"/events/click"> & { path: string; kind: string };
  search: EventBody<"/events/search"> & { path: string; results_count: number; search_id: string };
  engagement: EventBody<"/events/engagement"> & { path: string };
}

export function eventUrl(kind: EventKind): string {
  return `${config.analyticsUrl}/events/${kind}`;
}

/**
 * Sends one event without waiting for it. The body is JSON sent as text/plain: that keeps the
 * request "simple" for CORS (no preflight) and is what `sendBeacon` can send. No cookies go with it.
 * `beacon` is for a page being hidden or left, where only `sendBeacon` is sure to be delivered.
 */
export function sendEvent<K extends EventKind>(
  kind: K,
  body: EventBodies[K],
  options: { beacon?: boolean } = {},
): void {
  const url = eventUrl(kind);
  const payload = JSON.stringify(body);
  if (options.beacon && typeof navigator.sendBeacon === "function") {
    const blob = new Blob([payload], { type: "text/plain;charset=UTF-8" });
    if (navigator.sendBeacon(url, blob)) return;
  }
  if (typeof fetch !== "function") return;
  fetch(url, {
    method: "POST",
    body: payload,
    headers: { "Content-Type": "text/plain;charset=UTF-8" },
    credentials: "omit",
    keepalive: true,
    mode: "cors",
  }).catch(() => {
    // Analytics never gets in a visitor's way: a lost event is only a lost event.
  });
}

/** A `/metrics/*` query with the dashboard's one filter (`filter=<kind>:<value>`, issue 18). */
export type DashboardQuery = MetricsQuery & { filter?: string };

type MetricsPath = "/metrics/summary" | "/metrics/trending";

function getMetrics<T>(path: MetricsPath, token: string, query: DashboardQuery, signal?: AbortSignal): Promise<T> {
  return fetchJson<T>(config.analyticsUrl, `${path}${queryString(query)}`, {
    headers: { Authorization: `Bearer ${token}` },
    credentials: "omit",
    ...(signal ? { signal } : {}),
  });
}

/** The dashboard summary straight from the analytics service, with the token core issued. */
export function getSummary(token: string, query: DashboardQuery, signal?: AbortSignal): Promise<AnalyticsSummary> {
  return getMetrics("/metrics/summary", token, query, signal);
}

/** Topics and queries rising against the window before, for the same range and filter. */
export function getTrending(token: string, query: DashboardQuery, signal?: AbortSignal): Promise<AnalyticsTrending> {
  return getMetrics("/metrics/trending", token, query, signal);
}
