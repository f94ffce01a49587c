import { vi } from "vitest";
import { config } from "../api/config";

type Reply = unknown | Response | ((request: Request) => unknown | Response | Promise<unknown | Response>);

export interface SentEvent {
  kind: string;
  body: Record<string, unknown>;
  init: RequestInit | undefined;
}

/**
 * Stubs `fetch` with answers by path: `{"/api/profile/": {...}}` answers core's path with that JSON
 * (a Response is returned as is; a function gets the Request). Analytics events are accepted (202)
 * and collected in `events`. Anything else answers core's 404 envelope.
 */
export function stubApi(routes: Record<string, Reply>) {
  const events: SentEvent[] = [];
  const requests: Request[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (request.url.startsWith(`${config.analyticsUrl}/events/`)) {
      events.push({ kind: url.pathname.split("/").pop() ?? "", body: JSON.parse(String(init?.body)), init });
      return new Response(null, { status: 202 });
    }
    requests.push(request);
    const reply = routes[url.pathname];
    if (reply === undefined)
      return jsonResponse({ error: { code: "not_found", message: "Not found.", details: {} } }, 404);
    const value = typeof reply === "function" ? await reply(request) : reply;
    return value instanceof Response ? value : jsonResponse(value);
  });
  vi.stubGlobal("fetch", fetchMock);
  return {
    fetchMock,
    events,
    requests,
    /** Requests made to `path` (query string included in their URL). */
    calls: (path: string) => requests.filter((r) => new URL(r.url).pathname === path),
  };
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function errorResponse(status: number, code: string, message: string): Response {
  return jsonResponse({ error: { code, message, details: {} } }, status);
}

export function page<T>(results: T[]) {
  return { count: results.length, next: null, previous: null, results };
}

/** One server-sent event in the wire format core writes. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A `text/event-stream` response whose body sends `chunks` one by one; a chunk that is a Promise
 * holds the stream open until it resolves to its text (so a test can act mid-stream).
 */
export function sseResponse(chunks: readonly (string | Promise<string>)[]): Response {
  const encoder = new TextEncoder();
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next >= chunks.length) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(await chunks[next++]));
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}
