import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getPaperFacets, type PaperFacets } from "../api/core";
import type { ApiError } from "../api/errors";
import { filterQuery, type PaperFilters } from "./usePapers";

/** Counts per topic, tag and source for the papers matching `filters` (the chips' numbers). */
export function usePaperFacets(filters: PaperFilters) {
  const query = filterQuery(filters);
  return useQuery<PaperFacets, ApiError>({
    queryKey: ["core", "papers", "facets", query],
    queryFn: ({ signal }) => getPaperFacets(query, signal),
    // The chips stay while the next filter's counts load, instead of jumping away.
    placeholderData: keepPreviousData,
  });
}
