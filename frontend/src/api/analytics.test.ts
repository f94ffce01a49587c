import { describe, expect, it, vi } from "vitest";
import { jsonResponse } from "../test/api";
import { getSummary, getTrending } from "./analytics";
import { config } from "./config";

describe("analytics client", () => {
  it("reads the summary with the dashboard token as a bearer token, without cookies", async () => {
    const fetchMock = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => jsonResponse({ period: "30d" }));
    vi.stubGlobal("fetch", fetchMock);
    await expect(getSummary("jwt", { period: "30d" })).resolves.toEqual({ period: "30d" });
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe(`${config.analyticsUrl}/metrics/summary?period=30d`);
    expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer jwt");
    expect(init?.credentials).toBe("omit");
  });

  it("sends a custom range and the filter to trending", async () => {
    const fetchMock = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => jsonResponse({ topics: [] }));
    vi.stubGlobal("fetch", fetchMock);
    await getTrending("jwt", { from: "2026-01-01", to: "2026-01-31", filter: "page:/a b" });
    expect(fetchMock.mock.calls[0]?.[0]).toBe(
      `${config.analyticsUrl}/metrics/trending?from=2026-01-01&to=2026-01-31&filter=page%3A%2Fa+b`,
    );
  });
});
