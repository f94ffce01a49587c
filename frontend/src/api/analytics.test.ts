import { describe, expect, it, vi } from "vitest";
import { jsonResponse } from "../test/api";
import { getSummary } from "./analytics";
import { config } from "./config";

describe("analytics client", () => {
  it("reads the summary with the dashboard token as a bearer token, without cookies", async () => {
    const fetchMock = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => jsonResponse({ period: "30d" }));
    vi.stubGlobal("fetch", fetchMock);
    await expect(getSummary("jwt", "30d")).resolves.toEqual({ period: "30d" });
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe(`${config.analyticsUrl}/metrics/summary?period=30d`);
    expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer jwt");
    expect(init?.credentials).toBe("omit");
  });
});
