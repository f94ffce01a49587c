import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { config } from "../api/config";
import { summaryExample, trendingExample } from "../test/analytics";
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

// The analytics service's own example summary (its OpenAPI schema), with this test's live figures.
const summary = {
  ...summaryExample(),
  period: "7d",
  realtime: { activeUsers: 2, currentPages: [{ path: "/", visitors: 2 }] },
};

/**
 * Core answers the token, analytics the summary and trending; the analytics requests are collected.
 * With a `filter` the answers carry it, and `unavailable` lists the searches (as a topic filter would).
 */
function stubDashboard() {
  const api = stubApi({ "/api/analytics/token/": token });
  const analyticsCalls: Request[] = [];
  const coreFetch = api.fetchMock.getMockImplementation();
  api.fetchMock.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const filter = url.searchParams.get("filter");
    const filtered = filter
      ? {
          filter: { kind: filter.split(":")[0], value: filter.slice(filter.indexOf(":") + 1) },
          unavailable: ["searches"],
        }
      : { filter: null, unavailable: [] };
    if (request.url.startsWith(`${config.analyticsUrl}/metrics/summary`)) {
      analyticsCalls.push(request);
      return jsonResponse({ ...summary, ...filtered });
    }
    if (request.url.startsWith(`${config.analyticsUrl}/metrics/trending`)) {
      analyticsCalls.push(request);
      return jsonResponse({ ...trendingExample(), ...filtered });
    }
    return (coreFetch as NonNullable<typeof coreFetch>)(input, init);
  });
  return { api, analyticsCalls };
}

function lastCall(calls: Request[], path: string): URLSearchParams {
  const request = calls.filter((call) => new URL(call.url).pathname === path).at(-1);
  return new URL(request?.url ?? "http://none").searchParams;
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
    expect(screen.getByText("12")).toBeInTheDocument();
    expect(screen.getAllByText("50%").length).toBeGreaterThan(0);

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
    expect(screen.getByRole("heading", { name: "Most viewed papers" })).toBeInTheDocument();
    // DB-IP's licence (CC BY 4.0): the page showing its countries links back to it.
    expect(screen.getByRole("link", { name: /IP Geolocation by DB-IP/ })).toHaveAttribute("href", "https://db-ip.com");
  });

  it("shows each figure's change, every panel as a table, and the previous period in the chart", async () => {
    stubDashboard();
    renderRoute("/analytics?period=30d");
    const figures = await screen.findByText("Unique visitors");
    const pageViews = screen.getByText("Page views", { selector: "dt" }).parentElement as HTMLElement;
    expect(pageViews).toHaveTextContent("12▲ 200%");
    expect(within(pageViews).getByText("Up 200% on the previous period 4.")).toBeInTheDocument();
    // Bounce rate unchanged, click-through rate without a previous figure: neutral.
    expect(screen.getByText("Bounce rate").parentElement).toHaveTextContent("50%0%");
    expect(screen.getByText("Search click-through rate").parentElement).toHaveTextContent("50%–");
    expect(figures).toBeInTheDocument();
    expect(screen.getByText(/compared with 2026-02-28 to 2026-03-01/)).toBeInTheDocument();

    const papers = await screen.findByRole("table", { name: "Most viewed papers" }, { timeout: 10_000 });
    expect(within(papers).getByRole("rowheader", { name: "Attention Is Still All You Need" })).toBeInTheDocument();
    for (const name of [
      "Entry pages",
      "Exit pages",
      "Referrers",
      "UTM sources",
      "UTM media",
      "UTM campaigns",
      "Countries",
      "Cities",
      "Browsers",
      "Operating systems",
      "Devices",
      "Most shared papers",
      "Trending topics",
      "Trending searches",
      "Top searches",
    ]) {
      expect(screen.getByRole("table", { name }), name).toBeInTheDocument();
    }
    expect(
      within(screen.getByRole("table", { name: "Trending topics" })).getByRole("row", { name: /LLM agents/ }),
    ).toHaveTextContent("LLM agents92×3.3");
    const chart = screen.getByRole("img", { name: /with the previous period's page views/ });
    expect(chart).toBeInTheDocument();
    expect(screen.getByRole("table", { name: "Page views over time" })).toHaveTextContent(
      "Page views, previous period",
    );
  });

  it("keeps the period and a custom range in the URL and asks for that range", async () => {
    const { analyticsCalls } = stubDashboard();
    const { router } = renderRoute("/analytics?share=s1");
    await screen.findByText("Unique visitors");
    expect(lastCall(analyticsCalls, "/metrics/summary").get("period")).toBe("7d");

    fireEvent.click(screen.getByRole("button", { name: "90 days" }));
    await waitFor(() => expect(lastCall(analyticsCalls, "/metrics/summary").get("period")).toBe("90d"));
    expect(lastCall(analyticsCalls, "/metrics/trending").get("period")).toBe("90d");
    expect(router.state.location.search).toBe("?share=s1&period=90d");
    expect(screen.getByRole("button", { name: "90 days" })).toHaveAttribute("aria-pressed", "true");

    const today = new Date().toISOString().slice(0, 10);
    fireEvent.change(screen.getByLabelText("From", { exact: true }), { target: { value: "1999-01-01" } });
    fireEvent.click(screen.getByRole("button", { name: "Show range" }));
    expect(await screen.findByText(/Only the last 400 days are kept/)).toBeInTheDocument();

    const from = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
    fireEvent.change(screen.getByLabelText("From", { exact: true }), { target: { value: from } });
    fireEvent.click(screen.getByRole("button", { name: "Show range" }));
    await waitFor(() => expect(lastCall(analyticsCalls, "/metrics/summary").get("from")).toBe(from));
    const summaryQuery = lastCall(analyticsCalls, "/metrics/summary");
    expect(summaryQuery.get("to")).toBe(today);
    expect(summaryQuery.get("period")).toBeNull();
    expect(lastCall(analyticsCalls, "/metrics/trending").get("from")).toBe(from);
    expect(new URLSearchParams(router.state.location.search).get("from")).toBe(from);
    expect(screen.getByRole("button", { name: "90 days" })).toHaveAttribute("aria-pressed", "false");
  });

  it("sets the filter from a clicked row, sends it with every call, and removes it with its chip", async () => {
    const { analyticsCalls } = stubDashboard();
    const { router } = renderRoute("/analytics?period=30d");
    const countries = await screen.findByRole("table", { name: "Countries" }, { timeout: 10_000 });
    fireEvent.click(within(countries).getByRole("button", { name: "DE" }));

    await waitFor(() => expect(lastCall(analyticsCalls, "/metrics/summary").get("filter")).toBe("country:DE"));
    expect(lastCall(analyticsCalls, "/metrics/summary").get("period")).toBe("30d");
    expect(lastCall(analyticsCalls, "/metrics/trending").get("filter")).toBe("country:DE");
    expect(new URLSearchParams(router.state.location.search).get("filter")).toBe("country:DE");
    const remove = screen.getByRole("button", { name: "Remove the filter Country: DE" });
    expect(screen.getByText("Not filtered: all current visitors.")).toBeInTheDocument();

    // The answer lists the searches as unavailable under this filter.
    const searches = await screen.findByRole("region", { name: "Top searches" });
    await waitFor(() => expect(searches).toHaveTextContent("Not available with this filter."));
    expect(within(searches).queryByRole("table")).toBeNull();
    expect(screen.getByText("Searches").parentElement).toHaveTextContent("Not available with this filter");
    expect(screen.getByRole("table", { name: "Top pages" })).toBeInTheDocument();

    // Rows of other panels set their own kind; a browser row sets nothing.
    fireEvent.click(
      within(screen.getByRole("table", { name: "UTM campaigns" })).getByRole("button", { name: "march" }),
    );
    await waitFor(() => expect(lastCall(analyticsCalls, "/metrics/summary").get("filter")).toBe("campaign:march"));
    expect(within(screen.getByRole("table", { name: "Browsers" })).queryByRole("button")).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Remove the filter Campaign: march" }));
    await waitFor(() => expect(lastCall(analyticsCalls, "/metrics/summary").get("filter")).toBeNull());
    expect(router.state.location.search).toBe("?period=30d");
    expect(remove).not.toBeInTheDocument();
  });

  it("opens a shared filtered view from its URL", async () => {
    const { analyticsCalls } = stubDashboard();
    renderRoute("/analytics?from=2026-11-01&to=2026-11-30&filter=topic:LLM%20agents");
    expect(await screen.findByRole("button", { name: "Remove the filter Topic: LLM agents" })).toBeInTheDocument();
    const query = lastCall(analyticsCalls, "/metrics/summary");
    expect([query.get("from"), query.get("to"), query.get("filter")]).toEqual([
      "2026-11-01",
      "2026-11-30",
      "topic:LLM agents",
    ]);
    expect(screen.getByLabelText("From", { exact: true })).toHaveValue("2026-11-01");
  });

  it("downloads a panel, and the whole range, as CSV built from the rows shown", async () => {
    stubDashboard();
    const blobs: Blob[] = [];
    const names: string[] = [];
    // jsdom has no object URLs: these record the file instead.
    const objectUrls = { createObjectURL: URL.createObjectURL, revokeObjectURL: URL.revokeObjectURL };
    URL.createObjectURL = (blob: Blob) => {
      blobs.push(blob);
      return "blob:x";
    };
    URL.revokeObjectURL = () => {};
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    renderRoute("/analytics?period=30d");
    const region = await screen.findByRole("region", { name: "Referrers" }, { timeout: 10_000 });
    fireEvent.click(within(region).getByRole("button", { name: "CSV of Referrers" }));
    expect(names).toEqual(["analytics-referrers-30d.csv"]);
    // UTF-8 with a byte-order mark (which text() drops), so spreadsheets read it as UTF-8.
    expect([...new Uint8Array((await blobs[0]?.arrayBuffer()) ?? new ArrayBuffer(0)).slice(0, 3)]).toEqual([
      0xef, 0xbb, 0xbf,
    ]);
    expect(await blobs[0]?.text()).toBe("Source,Visits\r\n(direct),4\r\nnews.ycombinator.com,2\r\n");

    fireEvent.click(screen.getByRole("button", { name: "Download all panels (CSV)" }));
    expect(names[1]).toBe("analytics-30d.csv");
    const all = (await blobs[1]?.text()) ?? "";
    expect(all).toContain("panel,label,column,value\r\n");
    expect(all).toContain("Countries,DE,Visits,4\r\n");
    click.mockRestore();
    Object.assign(URL, objectUrls);
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
