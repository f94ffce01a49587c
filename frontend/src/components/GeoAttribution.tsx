import type { GeoAttribution as Attribution } from "../api/analytics";
import { ExternalLink } from "./ExternalLink";

/** The credit the GeoIP database's licence asks of the page that shows its countries (DB-IP Lite: CC BY 4.0). */
export function GeoAttribution({ attribution }: { attribution: Attribution | null }) {
  // Only a web link becomes an href.
  if (!attribution?.url.startsWith("https://")) return null;
  return (
    <p className="muted geo-attribution">
      <ExternalLink href={attribution.url}>{attribution.text}</ExternalLink>
    </p>
  );
}
