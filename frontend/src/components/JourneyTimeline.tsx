import type { JourneyEntry } from "../api/core";
import { formatMonth } from "../format";
import { SanitizedHtml } from "./SanitizedHtml";

const KIND_LABEL: Record<JourneyEntry["kind"], string> = {
  work: "Work",
  education: "Education",
  milestone: "Milestone",
};

/** The owner's journey, as core orders it, as an ordered list of dated entries. */
export function JourneyTimeline({ entries }: { entries: readonly JourneyEntry[] }) {
  return (
    <ol className="timeline">
      {entries.map((entry) => (
        <li key={entry.id} className="timeline-entry">
          <p className="timeline-dates">
            <time dateTime={entry.start}>{formatMonth(entry.start)}</time> –{" "}
            {entry.end ? <time dateTime={entry.end}>{formatMonth(entry.end)}</time> : "now"}
            <span className="badge">{KIND_LABEL[entry.kind]}</span>
          </p>
          <h3>
            {entry.title}
            {entry.organisation && <span className="muted"> · {entry.organisation}</span>}
          </h3>
          <SanitizedHtml html={entry.description_html} />
        </li>
      ))}
    </ol>
  );
}
