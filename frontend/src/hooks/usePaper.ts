import { useQuery } from "@tanstack/react-query";
import {
  getPaper,
  getScrapeStatus,
  getSimilarPapers,
  type Paper,
  type ScrapeJob,
  type SimilarPapers,
} from "../api/core";
import type { ApiError } from "../api/errors";

export function usePaper(arxivId: string) {
  return useQuery<Paper, ApiError>({
    queryKey: ["core", "paper", arxivId],
    queryFn: ({ signal }) => getPaper(arxivId, signal),
    enabled: arxivId.length > 0,
  });
}

/** Similar papers for a paper page; a failure only hides the section, so no retries. */
export function useSimilarPapers(arxivId: string, enabled: boolean) {
  return useQuery<SimilarPapers, ApiError>({
    queryKey: ["core", "paper", arxivId, "similar"],
    queryFn: ({ signal }) => getSimilarPapers(arxivId, signal),
    enabled: enabled && arxivId.length > 0,
    retry: false,
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
