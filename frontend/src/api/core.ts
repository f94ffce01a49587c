import { config } from "./config";
import { fetchJson } from "./http";

/** Calls the core service (Django) at VITE_CORE_URL; errors arrive as ApiError. */
export function coreFetch<T>(path: string, init?: RequestInit): Promise<T> {
  return fetchJson<T>(config.coreUrl, path, init);
}

export interface Health {
  status: string;
  service: string;
}

export function getHealth(signal?: AbortSignal): Promise<Health> {
  return coreFetch<Health>("/health", signal ? { signal } : {});
}
