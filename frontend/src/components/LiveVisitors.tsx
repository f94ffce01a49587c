import type { Realtime } from "../hooks/useRealtime";

const STATUS_TEXT: Record<Realtime["status"], string> = {
  idle: "Not connected",
  connecting: "Connecting…",
  live: "Live",
  refused: "Refused",
  offline: "Reconnecting…",
};

/** Visitors on the site right now and the pages they are on, pushed by the analytics service. */
export function LiveVisitors({
  realtime,
  fallback,
  filtered = false,
}: {
  realtime: Realtime;
  fallback?: number;
  /** A filter is set: say that this panel is not filtered. */
  filtered?: boolean;
}) {
  const data = realtime.data;
  const active = data ? data.activeUsers : (fallback ?? 0);
  return (
    <section className="card live" aria-labelledby="live-heading">
      <h2 id="live-heading">
        Right now <span className={`live-status live-${realtime.status}`}>{STATUS_TEXT[realtime.status]}</span>
      </h2>
      {filtered && <p className="muted">Not filtered: all current visitors.</p>}
      {realtime.status === "refused" && (
        <p className="muted">The live feed refused the connection ({realtime.reason}). Reload the page to retry.</p>
      )}
      <dl className="figures">
        <div>
          <dt>Active visitors</dt>
          <dd data-testid="active-visitors">{active}</dd>
        </div>
      </dl>
      <h3>Current pages</h3>
      {data && data.currentPages.length > 0 ? (
        <ul className="current-pages" aria-label="Current pages">
          {data.currentPages.map((page) => (
            <li key={page.path}>
              <code>{page.path}</code> <span className="muted">{page.visitors}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Nobody is browsing at the moment.</p>
      )}
      {data && data.events.length > 0 && (
        <>
          <h3>Latest activity</h3>
          <ol className="activity" aria-label="Latest activity" reversed>
            {data.events
              .slice(-8)
              .reverse()
              .map((event, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a snapshot list replaced whole on every push
                <li key={index}>
                  {event.type}
                  {event.path ? (
                    <>
                      {" "}
                      <code>{event.path}</code>
                    </>
                  ) : null}
                  {event.country && event.country !== "unknown" ? ` · ${event.country}` : ""}
                </li>
              ))}
          </ol>
        </>
      )}
    </section>
  );
}
