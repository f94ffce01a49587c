import { act, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { config } from "../api/config";
import { errorResponse, jsonResponse, stubApi } from "../test/api";
import { renderRoute } from "../test/render";

// A stand-in for the Socket.IO client: records how it was opened and lets the test push events.
const sockets = vi.hoisted(() => [] as FakeSocket[]);
interface FakeSocket {
  url: string;
  options: Record<string, unknown>;
  handlers: Record<string, (payload?: unknown) => void>;
  active: boolean;
  disconnected: boolean;
}
vi.mock("socket.io-client", () => ({
  io: (url: string, options: Record<string, unknown>) => {
    const socket: FakeSocket = { url, options, handlers: {}, active: true, disconnected: false };
    sockets.push(socket);
    return {
      on: (event: string, handler: (payload?: unknown) => void) => {
        socket.handlers[event] = handler;
      },
      disconnect: () => {
        socket.disconnected = true;
      },
      get active() {
        return socket.active;
      },
    };
  },
}));

const token = {
  token: "dashboard-jwt",
  token_type: "Bearer",
  audience: "analytics-dashboard",
  expires_in: 600,
  expires_at: "2026-11-29T07:00:00Z",
};

// The analytics service's summary as portfolio_analytics.metrics.summary builds it.
const summary = {
  period: "7d",
  pageViews: { total: 42, unique: 7, byPage: [{ path: "/papers", views: 30 }] },
  visits: 9,
  bounceRate: 0.25,
  visitDuration: 75,
  referrers: [{ source: "news.example", visits: 3 }],
  papers: { mostViewed: [{ id: "2411.01234", views: 5 }], mostShared: [], averageTimeOnPage: 12.5 },
  searches: { total: 4, topQueries: [{ query: "rag", count: 3 }], clickThroughRate: 0.5 },
  geography: {
    countries: [{ country: "IN", visits: 6 }],
    attribution: { text: "IP Geolocation by DB-IP", url: "https://db-ip.com" },
  },
  realtime: { activeUsers: 2, currentPages: [{ path: "/", visitors: 2 }] },
  timeseries: { interval: "day", points: [{ t: "2026-11-29", pageViews: 42, visitors: 7 }] },
};

/** Core answers the token, analytics the summary; the analytics requests are collected. */
function stubDashboard() {
  const api = stubApi({ "/api/analytics/token/": token });
  const analyticsCalls: Request[] = [];
  const coreFetch = api.fetchMock.getMockImplementation();
  api.fetchMock.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (request.url.startsWith(`${config.analyticsUrl}/metrics/summary`)) {
      analyticsCalls.push(request);
      return jsonResponse(summary);
    }
    return (coreFetch as NonNullable<typeof coreFetch>)(input, init);
  });
  return { api, analyticsCalls };
}

beforeEach(() => {
  sockets.length = 0;
});

describe("Analytics dashboard", () => {
  it("explains the owner must log in, with a link to the admin login", async () => {
    stubApi({ "/api/analytics/token/": errorResponse(401, "login_required", "Log in as staff.") });
    renderRoute("/analytics");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The analytics dashboard is for the site's owner.");
    expect(within(alert).getByRole("link", { name: "Log in to the admin" })).toHaveAttribute(
      "href",
      `${config.adminUrl}login/`,
    );
  });

  it("says when a logged-in account is not staff", async () => {
    stubApi({ "/api/analytics/token/": errorResponse(403, "staff_only", "Only staff.") });
    renderRoute("/analytics");
    expect(await screen.findByRole("alert")).toHaveTextContent("only the site's owner");
  });

  it("gets a token with the session cookie, then the summary with it, and shows the live count", async () => {
    const { api, analyticsCalls } = stubDashboard();
    renderRoute("/analytics");

    expect(await screen.findByText("Page views")).toBeInTheDocument();
    expect(api.fetchMock.mock.calls.find(([url]) => String(url).endsWith("/api/analytics/token/"))?.[1]).toMatchObject({
      credentials: "include",
    });
    expect(analyticsCalls[0]?.headers.get("Authorization")).toBe("Bearer dashboard-jwt");
    expect(new URL(analyticsCalls[0]?.url ?? "").searchParams.get("period")).toBe("7d");
    expect(screen.getByText("42")).toBeInTheDocument();
    expect(screen.getByText("50%")).toBeInTheDocument();

    // Until the live feed answers, the count comes from the summary; then from each push.
    expect(screen.getByTestId("active-visitors")).toHaveTextContent("2");
    await waitFor(() => expect(sockets).toHaveLength(1));
    const socket = sockets[0] as FakeSocket;
    expect(socket.url).toBe(config.analyticsUrl);
    expect(socket.options).toMatchObject({ path: "/ws/realtime", auth: { token: "dashboard-jwt" } });
    act(() => socket.handlers.connect?.());
    act(() =>
      socket.handlers.realtime?.({
        activeUsers: 3,
        currentPages: [
          { path: "/papers", visitors: 2 },
          { path: "/", visitors: 1 },
        ],
        events: [{ type: "pageview", path: "/papers" }],
      }),
    );
    expect(screen.getByTestId("active-visitors")).toHaveTextContent("3");
    expect(screen.getByRole("list", { name: "Current pages" })).toHaveTextContent("/papers 2/ 1");
    expect(screen.getByText("Live")).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Latest activity" })).toHaveTextContent("pageview /papers");

    // Charts arrive in their own chunk.
    expect(
      await screen.findByRole("heading", { name: "Page views over time" }, { timeout: 10_000 }),
    ).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Top papers" })).toBeInTheDocument();
    // DB-IP's licence (CC BY 4.0): the page showing its countries links back to it.
    expect(screen.getByRole("link", { name: /IP Geolocation by DB-IP/ })).toHaveAttribute("href", "https://db-ip.com");
  });

  it("labels the figures when the analytics service answers from its sample week", async () => {
    const api = stubApi({ "/api/analytics/token/": token });
    const coreFetch = api.fetchMock.getMockImplementation();
    let sample = true;
    api.fetchMock.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      if (request.url.startsWith(`${config.analyticsUrl}/metrics/summary`)) return jsonResponse({ ...summary, sample });
      return (coreFetch as NonNullable<typeof coreFetch>)(input, init);
    });
    const { unmount } = renderRoute("/analytics");
    expect(await screen.findByRole("note")).toHaveTextContent(
      "Sample data. These figures are a generated week of visits",
    );
    unmount();

    sample = false;
    renderRoute("/analytics");
    expect((await screen.findAllByText("Page views")).length).toBeGreaterThan(0);
    expect(screen.queryByRole("note")).not.toBeInTheDocument();
  });

  it("shows a message when the analytics service is down, and when the live feed refuses the token", async () => {
    const api = stubApi({ "/api/analytics/token/": token });
    const coreFetch = api.fetchMock.getMockImplementation();
    api.fetchMock.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).startsWith(`${config.analyticsUrl}/metrics/`)) throw new TypeError("Failed to fetch");
      return (coreFetch as NonNullable<typeof coreFetch>)(input, init);
    });
    renderRoute("/analytics");
    expect(await screen.findByText(/Could not load the figures/)).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("The analytics service is not answering right now.");

    await waitFor(() => expect(sockets).toHaveLength(1));
    const socket = sockets[0] as FakeSocket;
    socket.active = false;
    act(() => socket.handlers.connect_error?.(new Error("The dashboard token has expired.")));
    expect(screen.getByText(/refused the connection/)).toHaveTextContent("The dashboard token has expired.");
  });
  it("opens a share link without a login: the link's token is posted for a dashboard token", async () => {
    const { api, analyticsCalls } = stubDashboard();
    renderRoute("/analytics?share=link-token_1");

    expect((await screen.findAllByText("Page views")).length).toBeGreaterThan(0);
    expect(screen.getByText("A shared, read-only view of this site's analytics.")).toBeInTheDocument();
    const [sent] = api.calls("/api/analytics/token/");
    expect(sent?.method).toBe("POST");
    expect(sent?.credentials).toBe("omit");
    expect(await sent?.json()).toEqual({ share: "link-token_1" });
    expect(analyticsCalls[0]?.headers.get("Authorization")).toBe("Bearer dashboard-jwt");
  });

  it.each([
    [403, "share_link_revoked", "This share link has been revoked by the site's owner."],
    [403, "share_link_expired", "This share link has expired."],
    [401, "share_link_invalid", "This share link is not valid."],
  ])("says why a refused share link (%s %s) does not open the dashboard", async (status, code, text) => {
    stubApi({ "/api/analytics/token/": errorResponse(status, code, "Refused.") });
    renderRoute("/analytics?share=gone");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(text);
    expect(within(alert).queryByRole("link", { name: "Log in to the admin" })).toBeNull();
  });
});
