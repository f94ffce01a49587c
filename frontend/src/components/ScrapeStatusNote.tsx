import type { UseQueryResult } from "@tanstack/react-query";
import type { ScrapeJob } from "../api/core";
import type { ApiError } from "../api/errors";
import { formatDate } from "../format";

/** One line on the scraper's latest job, under the empty papers list. */
export function ScrapeStatusNote({ status }: { status: UseQueryResult<ScrapeJob, ApiError> }) {
  if (status.isPending) return null;
  if (status.error) {
    return (
      <p className="muted">
        {status.error.status === 404 ? "No scrape has run yet." : "The scraper's status is not available right now."}
      </p>
    );
  }
  const job = status.data;
  const when = job.finished_at ?? job.started_at ?? job.created_at;
  return (
    <p className="muted">
      Latest scrape: {job.state}
      {job.state === "running" ? ` (${Math.round(job.progress)}%)` : ""}
      {when ? `, ${formatDate(when)}` : ""}.
    </p>
  );
}
