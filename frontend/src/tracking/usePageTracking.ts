import { useEffect, useRef } from "react";
import { useLocation } from "react-router";
import { sendsOwnPageview, trackEngagement, trackPageview } from "./tracker";

/**
 * One pageview per route change, and the time each page was visible: sent with sendBeacon when
 * the tab is hidden (the last moment a browser reliably lets a request out), or when the visitor
 * moves to another route. Mounted once, in Layout.
 */
export function usePageTracking(): void {
  const location = useLocation();
  const path = location.pathname;
  const engaged = useRef({ path, ms: 0, visibleSince: visibleNow() });

  useEffect(() => {
    const current = engaged.current;
    if (current.path !== path) {
      flush(current, false);
      current.path = path;
    }
    // The page's title is set by its own effect, which runs before this parent's.
    if (!sendsOwnPageview(path)) trackPageview(path, document.title);
  }, [path]);

  useEffect(() => {
    const current = engaged.current;
    const onVisibility = () => {
      if (document.visibilityState === "hidden") {
        flush(current, true);
      } else {
        current.visibleSince = performance.now();
      }
    };
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, []);
}

interface Engaged {
  path: string;
  ms: number;
  visibleSince: number | null;
}

function visibleNow(): number | null {
  return typeof document !== "undefined" && document.visibilityState === "hidden" ? null : performance.now();
}

function flush(engaged: Engaged, beacon: boolean): void {
  const now = performance.now();
  const ms = engaged.ms + (engaged.visibleSince === null ? 0 : now - engaged.visibleSince);
  trackEngagement(engaged.path, ms, beacon);
  engaged.ms = 0;
  engaged.visibleSince = beacon ? null : now;
}
