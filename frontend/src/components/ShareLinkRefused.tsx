import type { ApiError } from "../api/errors";

const REASONS: Record<string, string> = {
  share_link_revoked: "This share link has been revoked by the site's owner.",
  share_link_expired: "This share link has expired.",
};

/** Why a share link (`/analytics?share=`) no longer opens the dashboard. */
export function ShareLinkRefused({ error }: { error: ApiError }) {
  return (
    <div className="notice" role="alert">
      <p>{REASONS[error.code] ?? "This share link is not valid."}</p>
      <p>Ask the site's owner for a new link.</p>
    </div>
  );
}
