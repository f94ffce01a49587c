// Every service answers errors as {"error": {"code", "message", "details"}}; anything else
// (a proxy's HTML page, an empty 502, a dropped connection) is mapped to the same shape so
// callers handle one error type.

export type ErrorDetails = Record<string, unknown>;

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(status: number, code: string, message: string, details: ErrorDetails = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// Mirrors portfolio_shared.errors.code_for_status for bodies that carry no envelope.
function fallbackCode(status: number): string {
  return status >= 500 ? "server_error" : "client_error";
}

/** Builds an ApiError from a status and a raw response body, envelope or not. */
export function parseErrorBody(status: number, body: string, statusText = ""): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const error = isRecord(parsed) ? parsed.error : undefined;
  if (isRecord(error) && typeof error.code === "string" && typeof error.message === "string") {
    const details = isRecord(error.details) ? error.details : {};
    return new ApiError(status, error.code, error.message, details);
  }
  const message = statusText ? `HTTP ${status} ${statusText}` : `HTTP ${status}`;
  return new ApiError(status, fallbackCode(status), message);
}

/** Reads a failed response's body and turns it into an ApiError. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body = "";
  try {
    body = await response.text();
  } catch {
    // An unreadable body still yields an error carrying the status.
  }
  return parseErrorBody(response.status, body, response.statusText);
}
