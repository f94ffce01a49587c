import { describe, expect, it } from "vitest";
import { EMPTY_FILTERS, filtersFromParams, filtersToParams, PAPERS_PAGE_SIZE, toQuery } from "./usePapers";

describe("paper filters", () => {
  it("round-trip through the URL, ignoring values core would refuse", () => {
    const filters = {
      search: "graph rag",
      topic: "rag",
      tag: "benchmark",
      source: "pwc" as const,
      hasCode: true,
      ordering: "-upvotes" as const,
    };
    const params = filtersToParams(filters);
    expect(params.toString()).toBe(
      "search=graph+rag&topic=rag&tag=benchmark&source=pwc&has_code=true&ordering=-upvotes",
    );
    expect(filtersFromParams(params)).toEqual(filters);
    expect(filtersFromParams(new URLSearchParams("source=elsewhere&ordering=title&has_code=yes"))).toEqual(
      EMPTY_FILTERS,
    );
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
});
