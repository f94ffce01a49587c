import { useQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import { useSearchParams } from "react-router";
import {
  type AnalyticsSummary,
  type AnalyticsTrending,
  type DashboardQuery,
  getSummary,
  getTrending,
} from "../api/analytics";
import { type DashboardToken, getDashboardToken, getSharedDashboardToken } from "../api/core";
import type { ApiError } from "../api/errors";
import { type DashboardState, readDashboardState, writeDashboardState } from "../dashboardUrl";

/**
 * The dashboard token from core: with the owner's admin session cookie, or, given `share` (the
 * `?share=` of a share link), for that link without a login. It is short-lived, so it is fetched
 * again a minute (at least 30 s) before it expires.
 */
export function useDashboardToken(share?: string | null) {
  return useQuery<DashboardToken, ApiError>({
    queryKey: ["core", "dashboard-token", share ?? null],
    queryFn: ({ signal }) => (share ? getSharedDashboardToken(share, signal) : getDashboardToken(signal)),
    staleTime: 0,
    refetchInterval: (query) => {
      const token = query.state.data;
      return token ? Math.max(30, token.expires_in - 60) * 1000 : false;
    },
  });
}

/** The dashboard's view (range and filter), read from and written to the URL query. */
export function useDashboardState(): [DashboardState, (next: DashboardState) => void] {
  const [params, setParams] = useSearchParams();
  const state = readDashboardState(params);
  const setState = useCallback(
    (next: DashboardState) => setParams((current) => writeDashboardState(current, next)),
    [setParams],
  );
  return [state, setState];
}

/** The analytics summary for `query`, refreshed every minute while the dashboard is open. */
export function useAnalyticsSummary(token: string | undefined, query: DashboardQuery) {
  return useQuery<AnalyticsSummary, ApiError>({
    queryKey: ["analytics", "summary", query, token],
    queryFn: ({ signal }) => getSummary(token ?? "", query, signal),
    enabled: Boolean(token),
    refetchInterval: 60_000,
    placeholderData: (previous) => previous,
  });
}

/** Rising topics and queries for the same range and filter as the summary. */
export function useAnalyticsTrending(token: string | undefined, query: DashboardQuery) {
  return useQuery<AnalyticsTrending, ApiError>({
    queryKey: ["analytics", "trending", query, token],
    queryFn: ({ signal }) => getTrending(token ?? "", query, signal),
    enabled: Boolean(token),
    refetchInterval: 60_000,
    placeholderData: (previous) => previous,
  });
}
