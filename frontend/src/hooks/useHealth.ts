import { useQuery } from "@tanstack/react-query";
import { getHealth, type Health } from "../api/core";
import type { ApiError } from "../api/errors";

export const healthQueryKey = ["core", "health"] as const;

/** Liveness of the core service, refreshed every 30 s while a page shows it. */
export function useHealth() {
  return useQuery<Health, ApiError>({
    queryKey: healthQueryKey,
    queryFn: ({ signal }) => getHealth(signal),
    refetchInterval: 30_000,
  });
}
