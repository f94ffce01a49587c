import { useQuery } from "@tanstack/react-query";
import { getPaper, getScrapeStatus, type Paper, type ScrapeJob } from "../api/core";
import type { ApiError } from "../api/errors";

export function usePaper(arxivId: string) {
  return useQuery<Paper, ApiError>({
    queryKey: ["core", "paper", arxivId],
    queryFn: ({ signal }) => getPaper(arxivId, signal),
    enabled: arxivId.length > 0,
  });
}

/** The scraper's latest job, through core's proxy: tells an empty papers list when papers arrive. */
export function useScrapeStatus(enabled: boolean) {
  return useQuery<ScrapeJob, ApiError>({
    queryKey: ["core", "scrape-status"],
    queryFn: ({ signal }) => getScrapeStatus(signal),
    enabled,
    retry: false,
  });
}
