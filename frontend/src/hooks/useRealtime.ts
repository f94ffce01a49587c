import { useEffect, useState } from "react";
import type { Socket } from "socket.io-client";
import type { Realtime as RealtimeSnapshot } from "../api/analytics";
import { config } from "../api/config";

/** The Socket.IO event the analytics service pushes (portfolio_analytics.realtime.feed.REALTIME_EVENT). */
export const REALTIME_EVENT = "realtime";
export const REALTIME_PATH = "/ws/realtime";

/** One recent event of the push (services/analytics/README.md, "Realtime feed"; null fields left out). */
export interface RealtimeEvent {
  type: string;
  ts?: string;
  path?: string;
  country?: string;
}

/** The `realtime` push: the summary's realtime snapshot and the events since the previous push. */
export type RealtimeState = RealtimeSnapshot & { events: RealtimeEvent[] };

// The push is not in the OpenAPI schema: a payload without the snapshot's shape is ignored.
function readPush(payload: unknown): RealtimeState | null {
  if (typeof payload !== "object" || payload === null) return null;
  const push = payload as Partial<RealtimeState>;
  if (typeof push.activeUsers !== "number" || !Array.isArray(push.currentPages)) return null;
  const events = Array.isArray(push.events) ? push.events.filter((event) => typeof event?.type === "string") : [];
  return { ...push, activeUsers: push.activeUsers, currentPages: push.currentPages, events };
}

export type RealtimeStatus = "idle" | "connecting" | "live" | "refused" | "offline";

export interface Realtime {
  status: RealtimeStatus;
  /** Why the server refused the connection (an expired or wrong token). */
  reason: string;
  data: RealtimeState | null;
}

/**
 * The live feed of the analytics service: active visitors, the pages they are on and the latest
 * events. The one place the dashboard subscribes; the socket closes when the dashboard unmounts or
 * the token changes. socket.io-client is imported here only, so it stays out of the first bundle.
 */
export function useRealtime(token: string | undefined): Realtime {
  const [state, setState] = useState<Realtime>({ status: "idle", reason: "", data: null });

  useEffect(() => {
    if (!token) return;
    let socket: Socket | undefined;
    let closed = false;
    setState((current) => ({ ...current, status: "connecting", reason: "" }));
    import("socket.io-client").then(({ io }) => {
      if (closed) return;
      socket = io(config.analyticsUrl, {
        path: REALTIME_PATH,
        auth: { token },
        transports: ["websocket", "polling"],
        withCredentials: false,
      });
      socket.on(REALTIME_EVENT, (payload: unknown) => {
        const data = readPush(payload);
        if (data) setState({ status: "live", reason: "", data });
      });
      socket.on("connect", () => setState((current) => ({ ...current, status: "live", reason: "" })));
      socket.on("disconnect", () => setState((current) => ({ ...current, status: "offline" })));
      socket.on("connect_error", (error: Error) => {
        // A refusal by the server leaves the socket closed (no retry); a network error retries.
        const refused = socket?.active === false;
        setState((current) => ({ ...current, status: refused ? "refused" : "offline", reason: error.message }));
      });
    });
    return () => {
      closed = true;
      socket?.disconnect();
    };
  }, [token]);

  return state;
}
