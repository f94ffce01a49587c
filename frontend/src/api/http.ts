import { ApiError, errorFromResponse } from "./errors";

/** Fetches `baseUrl + path` and returns the JSON body; every failure becomes an ApiError. */
export async function fetchJson<T>(baseUrl: string, path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  // String bodies are JSON.stringify output here; FormData and Blob bodies set their own type.
  if (typeof init.body === "string" && !headers.has("Content-Type")) {
    headers.set("Content-Type", "application/json");
  }

  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, { ...init, headers });
  } catch (cause) {
    // Aborts are the caller's decision (TanStack Query cancels stale queries): keep them visible as such.
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ApiError(0, "network_error", `The service could not be reached (${reason}).`);
  }

  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined as T;
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError(response.status, "invalid_response", "The service answered with a body that is not JSON.");
  }
}

export type QueryValue = string | number | boolean | null | undefined;

/** `?a=1&b=x` from the defined, non-empty values (in the given order), or "" when there are none. */
export function queryString(params: { [key: string]: QueryValue }): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
