import { useEffect, useState } from "react";
import type { Socket } from "socket.io-client";
import { type RealtimeState, readRealtime } from "../api/analyticsData";
import { config } from "../api/config";

/** The Socket.IO event the analytics service pushes (portfolio_analytics.realtime.feed.REALTIME_EVENT). */
export const REALTIME_EVENT = "realtime";
export const REALTIME_PATH = "/ws/realtime";

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
        setState({ status: "live", reason: "", data: readRealtime(payload) });
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
