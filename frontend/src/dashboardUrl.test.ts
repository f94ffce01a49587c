import { describe, expect, it } from "vitest";
import {
  type DashboardState,
  metricsQuery,
  oldestDay,
  parseFilter,
  rangeError,
  readDashboardState,
  writeDashboardState,
} from "./dashboardUrl";

const today = "2026-12-07";

function roundTrip(state: DashboardState, base = ""): { url: string; back: DashboardState } {
  const params = writeDashboardState(new URLSearchParams(base), state);
  return { url: params.toString(), back: readDashboardState(new URLSearchParams(params.toString()), today) };
}

describe("dashboard URL state", () => {
  it("round-trips a preset, a custom range and a filter, keeping other parameters", () => {
    const preset: DashboardState = { range: { period: "90d" }, filter: null };
    expect(roundTrip(preset)).toEqual({ url: "period=90d", back: preset });

    const custom: DashboardState = {
      range: { from: "2026-01-01", to: "2026-02-15" },
      filter: { kind: "country", value: "DE" },
    };
    const { url, back } = roundTrip(custom, "share=abc&period=7d&filter=page:/old");
    expect(new URLSearchParams(url).get("share")).toBe("abc");
    expect(new URLSearchParams(url).get("period")).toBeNull();
    expect(new URLSearchParams(url).get("filter")).toBe("country:DE");
    expect(back).toEqual(custom);
  });

  it("keeps a filter value holding colons and slashes whole", () => {
    const state: DashboardState = { range: { period: "today" }, filter: { kind: "page", value: "/papers/hep-th:1" } };
    expect(roundTrip(state).back).toEqual(state);
    expect(parseFilter("page:/a:b")).toEqual({ kind: "page", value: "/a:b" });
  });

  it("falls back to 7 days and no filter for anything it cannot read", () => {
    const fallback = { range: { period: "7d" }, filter: null };
    for (const query of [
      "",
      "period=2d",
      "filter=browser:Firefox",
      "filter=country:",
      "filter=nothing",
      "from=2026-02-30",
      "from=2026-12-08",
      "from=2026-03-01&to=2026-02-01",
      `from=${"2025-11-01"}`,
    ]) {
      expect(readDashboardState(new URLSearchParams(query), today), query).toEqual(fallback);
    }
  });

  it("accepts a range within the 400 retained days, `to` defaulting to today", () => {
    expect(oldestDay(today)).toBe("2025-11-03");
    expect(readDashboardState(new URLSearchParams("from=2025-11-03"), today).range).toEqual({
      from: "2025-11-03",
      to: today,
    });
    expect(rangeError("2025-11-02", today, today)).toMatch(/400 days/);
    expect(rangeError("2026-12-01", "2026-12-08", today)).toMatch(/after today/);
    expect(rangeError("2026-12-05", "2026-12-01", today)).toMatch(/after the last/);
    expect(rangeError("", today, today)).toMatch(/dates/);
    expect(rangeError("2026-12-01", "2026-12-01", today)).toBeNull();
  });

  it("turns a view into the /metrics query", () => {
    expect(metricsQuery({ range: { period: "30d" }, filter: null })).toEqual({ period: "30d" });
    expect(
      metricsQuery({ range: { from: "2026-01-01", to: "2026-01-31" }, filter: { kind: "campaign", value: "march" } }),
    ).toEqual({ from: "2026-01-01", to: "2026-01-31", filter: "campaign:march" });
  });
});
