import type { ReactNode } from "react";
import type { EventProps } from "../api/analytics";
import { trackClick } from "../tracking/tracker";

interface ExternalLinkProps {
  href: string;
  children: ReactNode;
  /** Click kind reported to analytics (outbound unless a more precise one applies). */
  kind?: string;
  props?: EventProps;
  className?: string;
}

/** A link leaving the site: opens in a new tab without handing it our window, and is counted. */
export function ExternalLink({ href, children, kind = "outbound", props, className }: ExternalLinkProps) {
  return (
    <a
      href={href}
      target="_blank"
      rel="noopener noreferrer"
      className={className}
      onClick={() => trackClick({ target: href, kind, ...(props ? { props } : {}) })}
    >
      {children}
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  );
}
