import { config } from "./config";
import type { operations, paths } from "./generated/analytics";
import { fetchJson, queryString } from "./http";

// Typed from the analytics service's OpenAPI schema (src/api/generated/analytics.ts), which now
// types every list of the summary; the dashboard still reads them through analyticsData.ts.
type SummaryResponse = operations["get_summary_metrics_summary_get"]["responses"][200]["content"]["application/json"];
export type AnalyticsSummary = SummaryResponse;

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

/** The dashboard summary straight from the analytics service, with the token core issued. */
export function getSummary(token: string, period: string, signal?: AbortSignal): Promise<AnalyticsSummary> {
  return fetchJson<AnalyticsSummary>(config.analyticsUrl, `/metrics/summary${queryString({ period })}`, {
    headers: { Authorization: `Bearer ${token}` },
    credentials: "omit",
    ...(signal ? { signal } : {}),
  });
}
