import { describe, expect, it } from "vitest";
import {
  EMPTY_FILTERS,
  filtersFromParams,
  filtersToParams,
  PAPERS_PAGE_SIZE,
  shiftDay,
  todayUtc,
  toQuery,
} from "./usePapers";

describe("paper filters", () => {
  it("round-trip through the URL, ignoring values core would refuse", () => {
    const filters = {
      search: "graph rag",
      topic: "rag",
      tag: "benchmark",
      source: "pwc" as const,
      hasCode: true,
      ordering: "-upvotes" as const,
      day: "2026-11-20",
    };
    const params = filtersToParams(filters);
    expect(params.toString()).toBe(
      "search=graph+rag&topic=rag&tag=benchmark&source=pwc&has_code=true&ordering=-upvotes&day=2026-11-20",
    );
    expect(filtersFromParams(params)).toEqual(filters);
    expect(
      filtersFromParams(new URLSearchParams("source=elsewhere&ordering=title&has_code=yes&day=2026-13-45")),
    ).toEqual(EMPTY_FILTERS);
  });

  it("become core's query parameters for a page", () => {
    expect(toQuery(EMPTY_FILTERS, 1)).toEqual({ page: 1, page_size: PAPERS_PAGE_SIZE });
    expect(toQuery({ ...EMPTY_FILTERS, search: "  moe ", hasCode: true }, 3)).toEqual({
      page: 3,
      page_size: PAPERS_PAGE_SIZE,
      search: "moe",
      has_code: true,
    });
  });

  it("turn a day into core's UTC range, the next day excluded", () => {
    expect(toQuery({ ...EMPTY_FILTERS, day: "2026-02-28" }, 1)).toEqual({
      page: 1,
      page_size: PAPERS_PAGE_SIZE,
      published_after: "2026-02-28",
      published_before: "2026-03-01",
    });
    expect(shiftDay("2026-01-01", -1)).toBe("2025-12-31");
    expect(shiftDay("2024-02-28", 1)).toBe("2024-02-29");
    expect(shiftDay("yesterday", 1)).toBe("");
    expect(todayUtc(new Date("2026-12-07T23:30:00-05:00"))).toBe("2026-12-08");
  });
});
