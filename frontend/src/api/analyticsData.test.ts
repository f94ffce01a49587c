import { describe, expect, it } from "vitest";
import { summaryExample, trendingExample } from "../test/analytics";
import {
  dashboardPanels,
  formatChange,
  headlineFigures,
  isUnavailable,
  rangeCsv,
  readFilterState,
} from "./analyticsData";

describe("the dashboard's panels", () => {
  it("lists every panel of the schema's example, papers by title, with the filter each row sets", () => {
    const panels = dashboardPanels(summaryExample(), trendingExample());
    // Panels are looked up by their summary key (dotted for nested fields), one way for every key.
    const byKey = new Map(panels.map((panel) => [panel.key, panel]));
    const rowOf = (key: string, index: number) => byKey.get(key)?.rows[index];
    expect([...byKey.keys()]).toEqual([
      "pageViews.byPage",
      "entryPages",
      "exitPages",
      "referrers",
      "utm.sources",
      "utm.mediums",
      "utm.campaigns",
      "geography.countries",
      "geography.cities",
      "devices.browsers",
      "devices.operatingSystems",
      "devices.deviceClasses",
      "papers.mostViewed",
      "papers.mostShared",
      "trending.topics",
      "trending.queries",
      "searches.topQueries",
    ]);
    expect(rowOf("pageViews.byPage", 0)).toEqual({
      label: "/",
      cells: [7],
      value: 7,
      filter: { kind: "page", value: "/" },
    });
    expect(rowOf("exitPages", 0)?.filter).toEqual({ kind: "page", value: "/papers" });
    expect(rowOf("referrers", 1)?.filter).toEqual({ kind: "source", value: "news.ycombinator.com" });
    expect(rowOf("geography.countries", 0)?.filter).toEqual({ kind: "country", value: "DE" });
    expect(rowOf("utm.campaigns", 0)?.filter).toEqual({ kind: "campaign", value: "march" });
    expect(rowOf("trending.topics", 0)).toMatchObject({
      label: "LLM agents",
      cells: [9, 2, "×3.3"],
      filter: { kind: "topic", value: "LLM agents" },
    });
    expect(rowOf("geography.cities", 0)).toEqual({
      label: "London",
      cells: ["GB", 2],
      value: 2,
      filter: { kind: "country", value: "GB" },
    });
    expect(rowOf("papers.mostShared", 0)?.filter).toEqual({ kind: "page", value: "/papers/2401.00001" });
    expect(rowOf("trending.queries", 0)?.filter).toBeUndefined();
    expect(rowOf("devices.browsers", 0)?.filter).toBeUndefined();
    expect(rowOf("papers.mostViewed", 0)?.label).toBe("Attention Is Still All You Need");
    expect(byKey.get("searches.topQueries")?.note).toBe("Click-through rate: 50% of 2 searches led to a click.");
  });

  it("names a paper core does not know by its id, and shows no trending rows before they arrive", () => {
    const summary = summaryExample();
    const first = summary.papers.mostShared[0];
    if (first) first.title = null;
    const panels = dashboardPanels(summary, undefined);
    expect(panels.find((panel) => panel.key === "papers.mostShared")?.rows[0]?.label).toBe("2401.00001");
    expect(panels.find((panel) => panel.key === "trending.topics")?.rows).toEqual([]);
  });
});

describe("the comparison", () => {
  it("shows ▲/▼ and the relative change, neutral without a previous figure", () => {
    expect(formatChange({ current: 12, previous: 4, change: 2, difference: 8 })).toMatchObject({
      direction: "up",
      text: "▲ 200%",
    });
    expect(formatChange({ current: 0.45, previous: 0.5, change: -0.1, difference: -0.05 })).toMatchObject({
      direction: "down",
      text: "▼ 10%",
    });
    expect(formatChange({ current: 5, previous: 4.8, change: 0.0417, difference: 0.2 }).text).toBe("▲ 4.2%");
    expect(formatChange({ current: 1, previous: 1, change: 0, difference: 0 })).toMatchObject({
      direction: "flat",
      text: "0%",
    });
    expect(formatChange({ current: 2, previous: 0, change: null, difference: 2 })).toMatchObject({
      direction: "none",
      text: "–",
    });
    expect(formatChange(null)).toMatchObject({ direction: "none", description: "No previous period to compare with." });
  });

  it("gives every headline figure its comparison, or none when the previous period is not retained", () => {
    const summary = summaryExample();
    const figures = headlineFigures(summary);
    expect(figures.find((figure) => figure.label === "Page views")?.change).toEqual({
      change: 2,
      current: 12,
      difference: 8,
      previous: 4,
    });
    expect(figures.every((figure) => figure.change !== null)).toBe(true);
    expect(headlineFigures({ ...summary, comparison: null }).every((figure) => figure.change === null)).toBe(true);
  });
});

describe("the filter of an answer", () => {
  it("reads `filter` and `unavailable` as the service answers them", () => {
    const summary = summaryExample();
    expect(readFilterState(summary)).toEqual({ filter: null, unavailable: [] });
    expect(readFilterState(undefined)).toEqual({ filter: null, unavailable: [] });
    expect(
      readFilterState({ ...summary, filter: { kind: "topic", value: "RAG" }, unavailable: ["searches", "realtime"] }),
    ).toEqual({ filter: { kind: "topic", value: "RAG" }, unavailable: ["searches", "realtime"] });
  });

  it("counts a panel unavailable when its key or a field holding it is listed", () => {
    expect(isUnavailable("searches.topQueries", ["searches"])).toBe(true);
    expect(isUnavailable("searches.topQueries", ["searches.topQueries"])).toBe(true);
    expect(isUnavailable("searchesExtra", ["searches"])).toBe(false);
    expect(isUnavailable("utm.campaigns", ["utm.sources"])).toBe(false);
  });
});

describe("the whole range as CSV", () => {
  it("has a panel column and every shown row, without unavailable panels", () => {
    const csv = rangeCsv(summaryExample(), trendingExample(), ["searches"]);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("panel,label,column,value");
    expect(lines).toContain("figures,Page views,value,12");
    expect(lines).toContain("timeseries,2026-03-03,Page views,7");
    expect(lines).toContain("Top pages,/,Views,7");
    expect(lines).toContain("Cities,London,Country,GB");
    expect(lines).toContain("Trending topics,LLM agents,Rise,×3.3");
    expect(lines).toContain("Most viewed papers,Attention Is Still All You Need,Views,3");
    expect(lines.some((line) => line.startsWith("Top searches,"))).toBe(false);
    expect(lines.some((line) => line.startsWith("figures,Searches,"))).toBe(false);
  });
});
