import { type EventProps, sendEvent } from "../api/analytics";

// What the site tells the analytics service, and nothing when the visitor asks for nothing:
// Global Privacy Control turns every call here into a no-op. No cookie or stored id is used;
// the service counts visitors from a daily-salted hash it computes itself.

declare global {
  interface Navigator {
    readonly globalPrivacyControl?: boolean;
  }
}

export function trackingAllowed(): boolean {
  return typeof navigator !== "undefined" && navigator.globalPrivacyControl !== true;
}

function currentPath(): string {
  return window.location.pathname;
}

// The latest search on this page load: clicks that follow it carry its id, which is how the
// service measures the search click-through rate.
let lastSearchId: string | undefined;

function newSearchId(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

// The page before this one: the referrer of an in-app navigation (the service ignores same-site
// referrers for its sources list but the first pageview's document.referrer is where the visit came from).
let previousUrl = "";

/**
 * The page's address with its campaign parameters (`utm_*`) and nothing else of its query, or
 * undefined without any: the service reads a visit's UTM source, medium and campaign from it.
 */
function campaignUrl(): string | undefined {
  const here = new URL(window.location.href);
  const campaign = new URLSearchParams();
  for (const [name, value] of here.searchParams) if (name.startsWith("utm_")) campaign.append(name, value);
  return campaign.size > 0 ? `${here.origin}${here.pathname}?${campaign}` : undefined;
}

/**
 * One pageview. Paper pages send theirs themselves, once the paper is loaded, with
 * `paperProps(paper)`: the service counts a paper view and its topics from those props.
 */
export function trackPageview(path: string, title: string, props?: EventProps): void {
  const referrer = previousUrl || document.referrer;
  previousUrl = window.location.href;
  if (!trackingAllowed()) return;
  const url = campaignUrl();
  sendEvent("pageview", {
    path,
    title,
    ...(url ? { url } : {}),
    ...(referrer ? { referrer } : {}),
    ...(props ? { props } : {}),
  });
}

/** Paper pages (`/papers/<id>`) send their own pageview, with the paper's id and topics. */
export function sendsOwnPageview(path: string): boolean {
  return path.startsWith("/papers/") && path.length > "/papers/".length;
}

/** Records a search and returns its id (also when nothing is sent, so callers need no branch). */
export function trackSearch(path: string, query: string, resultsCount: number, props?: EventProps): string {
  const searchId = newSearchId();
  lastSearchId = searchId;
  if (trackingAllowed()) {
    sendEvent("search", {
      path,
      query,
      results_count: resultsCount,
      search_id: searchId,
      ...(props ? { props } : {}),
    });
  }
  return searchId;
}

export interface Click {
  /** What was clicked: a paper's id, a URL, a share target. */
  target: string;
  /** paper, share, outbound, ask, ... */
  kind: string;
  props?: EventProps;
}

export function trackClick({ target, kind, props }: Click): void {
  if (!trackingAllowed()) return;
  sendEvent("click", {
    path: currentPath(),
    target,
    kind,
    ...(lastSearchId ? { search_id: lastSearchId } : {}),
    ...(props ? { props } : {}),
  });
}

/** Time a page was visible; `beacon` when the page is being hidden or left. */
export function trackEngagement(path: string, engagedMs: number, beacon: boolean): void {
  if (!trackingAllowed() || engagedMs <= 0) return;
  sendEvent("engagement", { path, engaged_ms: Math.round(engagedMs) }, { beacon });
}

/** Props every paper event carries: which paper (`paper_id`, as the service reads it) and its topics. */
export function paperProps(paper: { arxiv_id: string; topics: readonly string[] }): EventProps {
  return { paper_id: paper.arxiv_id, topics: [...paper.topics] };
}

/** Forgets the latest search and page (tests; a new page load starts without them anyway). */
export function resetTracking(): void {
  lastSearchId = undefined;
  previousUrl = "";
}
