// Base URLs are fixed at build time (Vite inlines VITE_* variables), so one image or static
// bundle is built per deployment; the defaults match the local ports of DESIGN.md.
export const DEFAULT_CORE_URL = "http://127.0.0.1:8000";
export const DEFAULT_ANALYTICS_URL = "http://127.0.0.1:8002";

export interface ApiConfig {
  readonly coreUrl: string;
  readonly analyticsUrl: string;
  /** Django admin, where the owner logs in to see the dashboard (core's DJANGO_ADMIN_PATH). */
  readonly adminUrl: string;
}

// A trailing slash would double up when joined with paths that start with one.
function baseUrl(value: string | undefined, fallback: string): string {
  const trimmed = value?.trim();
  return (trimmed ? trimmed : fallback).replace(/\/+$/, "");
}

export function readConfig(env: Partial<ImportMetaEnv> = import.meta.env): ApiConfig {
  const coreUrl = baseUrl(env.VITE_CORE_URL, DEFAULT_CORE_URL);
  return {
    coreUrl,
    analyticsUrl: baseUrl(env.VITE_ANALYTICS_URL, DEFAULT_ANALYTICS_URL),
    adminUrl: `${baseUrl(env.VITE_ADMIN_URL, `${coreUrl}/admin`)}/`,
  };
}

export const config: ApiConfig = readConfig();
