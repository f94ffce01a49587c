import { useQuery } from "@tanstack/react-query";
import { getSummary } from "../api/analytics";
import { type DashboardSummary, readSummary } from "../api/analyticsData";
import { type DashboardToken, getDashboardToken, getSharedDashboardToken } from "../api/core";
import type { ApiError } from "../api/errors";

export type Period = "today" | "7d" | "30d";

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

/** The analytics summary for `period`, refreshed every minute while the dashboard is open. */
export function useAnalyticsSummary(token: string | undefined, period: Period) {
  return useQuery<DashboardSummary, ApiError>({
    queryKey: ["analytics", "summary", period, token],
    queryFn: async ({ signal }) => readSummary(await getSummary(token ?? "", period, signal)),
    enabled: Boolean(token),
    refetchInterval: 60_000,
    placeholderData: (previous) => previous,
  });
}
