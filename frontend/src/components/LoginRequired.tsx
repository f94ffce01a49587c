import { config } from "../api/config";
import type { ApiError } from "../api/errors";

/** Why the dashboard is not shown, and where the owner logs in. */
export function LoginRequired({ error }: { error: ApiError }) {
  const staffOnly = error.status === 403;
  return (
    <div className="notice" role="alert">
      <p>
        {staffOnly
          ? "You are logged in, but only the site's owner (a staff account) may see the analytics dashboard."
          : "The analytics dashboard is for the site's owner. Log in to the admin, then come back to this page."}
      </p>
      <p>
        <a href={`${config.adminUrl}login/`}>Log in to the admin</a>
      </p>
    </div>
  );
}
