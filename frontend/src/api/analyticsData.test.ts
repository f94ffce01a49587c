import { describe, expect, it } from "vitest";
import { readRanked, readRealtime, readSummary } from "./analyticsData";

describe("analytics readers", () => {
  it("reads ranked lists in the service's shapes, most first", () => {
    expect(
      readRanked([
        { path: "/a", views: 1 },
        { path: "/b", views: 5 },
      ]),
    ).toEqual([
      { label: "/b", value: 5 },
      { label: "/a", value: 1 },
    ]);
    expect(readRanked([{ query: "rag", count: 2 }])).toEqual([{ label: "rag", value: 2 }]);
    expect(readRanked([["IN", 3]])).toEqual([{ label: "IN", value: 3 }]);
    expect(readRanked({ "/x": 2 })).toEqual([{ label: "/x", value: 2 }]);
    expect(readRanked(null)).toEqual([]);
    expect(readRanked([{ nothing: true }, 7])).toEqual([]);
  });

  it("reads a summary, falling back to empty values for anything missing", () => {
    const empty = readSummary({});
    expect(empty.pageViews).toEqual({ total: 0, unique: 0, byPage: [] });
    expect(empty.timeseries).toEqual({ interval: "day", points: [] });
    expect(empty.realtime).toEqual({ activeUsers: 0, currentPages: [], events: [] });
    expect(empty.geoAttribution).toBeNull();

    const summary = readSummary({
      period: "today",
      pageViews: { total: 3, unique: 2, byPage: [{ path: "/", views: 3 }] },
      papers: {
        mostViewed: [
          { id: "2411.01234", title: null, views: 2 },
          { id: "2411.05678", title: "Agents that read", views: 1 },
        ],
        mostShared: [{ id: "2411.01234", shares: 1 }],
      },
      searches: { total: 2, topQueries: [{ query: "rag", count: 2 }], clickThroughRate: 0.5 },
      geography: {
        countries: [{ country: "unknown", visits: 2 }],
        attribution: { text: "IP Geolocation by DB-IP", url: "https://db-ip.com" },
      },
      timeseries: { interval: "hour", points: [{ t: "2026-11-29T05:00:00Z", pageViews: 3, visitors: 2 }, { bad: 1 }] },
    });
    // A paper is named by its title when core knows it, else by its id.
    expect(summary.papers.mostViewed).toEqual([
      { label: "2411.01234", value: 2 },
      { label: "Agents that read", value: 1 },
    ]);
    expect(summary.papers.mostShared).toEqual([{ label: "2411.01234", value: 1 }]);
    expect(summary.searches.clickThroughRate).toBe(0.5);
    expect(summary.countries).toEqual([{ label: "unknown", value: 2 }]);
    expect(summary.geoAttribution).toEqual({ text: "IP Geolocation by DB-IP", url: "https://db-ip.com" });
    expect(
      readSummary({ geography: { attribution: { text: "x", url: "javascript:alert(1)" } } }).geoAttribution,
    ).toBeNull();
    expect(summary.timeseries).toEqual({
      interval: "hour",
      points: [{ t: "2026-11-29T05:00:00Z", pageViews: 3, visitors: 2 }],
    });
  });

  it("reads a realtime push", () => {
    expect(
      readRealtime({
        activeUsers: 2,
        currentPages: [{ path: "/", visitors: 2 }],
        events: [{ type: "pageview", path: "/", ts: "2026-11-29T05:00:00Z" }, { no: "type" }],
        dropped: 0,
      }),
    ).toEqual({
      activeUsers: 2,
      currentPages: [{ label: "/", value: 2 }],
      events: [{ type: "pageview", path: "/", ts: "2026-11-29T05:00:00Z" }],
    });
  });
});
