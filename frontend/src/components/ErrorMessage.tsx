import type { ApiError } from "../api/errors";

interface ErrorMessageProps {
  /** What could not be loaded, e.g. "the papers". */
  what: string;
  error: ApiError;
  /** Which service answers this request, for the "is down" wording. */
  service?: string;
  onRetry?: () => void;
}

// A visitor cannot act on a stack trace: say what is missing, whether it is worth retrying, and
// keep the service's own message (the error envelope's) for the curious.
export function describeError(error: ApiError, service: string): string {
  if (error.status === 0) return `The ${service} service is not answering right now.`;
  if (error.status === 503 || error.status === 502 || error.status === 504)
    return `The ${service} service is unavailable right now (${error.message}).`;
  if (error.status >= 500) return `The ${service} service failed (${error.message}).`;
  return error.message;
}

export function ErrorMessage({ what, error, service = "core", onRetry }: ErrorMessageProps) {
  return (
    <div className="error-message" role="alert">
      <p>
        <strong>Could not load {what}.</strong> {describeError(error, service)}
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
