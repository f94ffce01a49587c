import { describe, expect, it, vi } from "vitest";
import { jsonResponse } from "../test/render";
import { ApiError } from "./errors";
import { fetchJson } from "./http";

function stubFetch(impl: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) {
  const mock = vi.fn(impl);
  vi.stubGlobal("fetch", mock);
  return mock;
}

describe("fetchJson", () => {
  it("joins base URL and path and returns the parsed body", async () => {
    const fetchMock = stubFetch(async () => jsonResponse({ status: "ok" }));
    await expect(fetchJson("http://core.test", "/health")).resolves.toEqual({ status: "ok" });
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe("http://core.test/health");
    expect(new Headers(init?.headers).get("Accept")).toBe("application/json");
  });

  it("marks string bodies as JSON unless the caller chose a type", async () => {
    const fetchMock = stubFetch(async () => jsonResponse({}, 201));
    await fetchJson("http://core.test", "/x", { method: "POST", body: "{}" });
    await fetchJson("http://core.test", "/x", {
      method: "POST",
      body: "a=1",
      headers: { "Content-Type": "text/plain" },
    });
    expect(new Headers(fetchMock.mock.calls[0]?.[1]?.headers).get("Content-Type")).toBe("application/json");
    expect(new Headers(fetchMock.mock.calls[1]?.[1]?.headers).get("Content-Type")).toBe("text/plain");
  });

  it("throws the envelope of an error answer as ApiError", async () => {
    stubFetch(async () => jsonResponse({ error: { code: "not_found", message: "No such paper.", details: {} } }, 404));
    const error = await fetchJson("http://core.test", "/api/papers/1/").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: "not_found", message: "No such paper." });
  });

  it("throws ApiError for an HTML error page", async () => {
    stubFetch(async () => new Response("<h1>502</h1>", { status: 502, headers: { "Content-Type": "text/html" } }));
    await expect(fetchJson("http://core.test", "/health")).rejects.toMatchObject({ status: 502, code: "server_error" });
  });

  it("throws a network_error ApiError when the service cannot be reached", async () => {
    stubFetch(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(fetchJson("http://core.test", "/health")).rejects.toMatchObject({
      status: 0,
      code: "network_error",
    });
  });

  it("lets an abort through unchanged", async () => {
    stubFetch(async () => {
      throw new DOMException("aborted", "AbortError");
    });
    await expect(fetchJson("http://core.test", "/health")).rejects.toMatchObject({ name: "AbortError" });
  });

  it("throws invalid_response when a success body is not JSON", async () => {
    stubFetch(async () => new Response("ok", { status: 200 }));
    await expect(fetchJson("http://core.test", "/health")).rejects.toMatchObject({ code: "invalid_response" });
  });

  it("returns undefined for 204", async () => {
    stubFetch(async () => new Response(null, { status: 204 }));
    await expect(fetchJson("http://core.test", "/x", { method: "DELETE" })).resolves.toBeUndefined();
  });
});
