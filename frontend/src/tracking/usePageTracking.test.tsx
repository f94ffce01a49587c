import { act, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stubApi } from "../test/api";
import { renderRoute } from "../test/render";
import { resetTracking } from "./tracker";

afterEach(resetTracking);

async function beaconBody(beacon: { mock: { calls: unknown[][] } }, index: number): Promise<unknown> {
  const blob = beacon.mock.calls[index]?.[1];
  if (!(blob instanceof Blob)) throw new Error(`beacon ${index} sent no Blob`);
  return JSON.parse(await blob.text());
}

function setVisibility(state: "visible" | "hidden") {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  document.dispatchEvent(new Event("visibilitychange"));
}

describe("usePageTracking", () => {
  afterEach(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
  });

  it("sends a pageview on every route change, and the time spent on the page left", async () => {
    const api = stubApi({ "/api/projects/": { count: 0, next: null, previous: null, results: [] } });
    const { router } = renderRoute("/no/such/page");
    await waitFor(() => expect(api.events).toHaveLength(1));
    expect(api.events[0]).toMatchObject({
      kind: "pageview",
      body: { path: "/no/such/page", title: "Page not found · AI Platform Portfolio" },
    });

    await act(() => router.navigate("/projects"));
    await screen.findByRole("heading", { level: 1, name: "Projects" });
    const kinds = api.events.map((e) => e.kind);
    expect(kinds).toEqual(["pageview", "engagement", "pageview"]);
    expect(api.events[1]?.body).toMatchObject({ path: "/no/such/page" });
    expect(api.events[2]?.body).toMatchObject({ path: "/projects", title: "Projects · AI Platform Portfolio" });
  });

  it("sends the visible time with sendBeacon when the page is hidden", async () => {
    stubApi({});
    const beacon = vi.fn((_url: string, _data?: BodyInit | null) => true);
    vi.stubGlobal("navigator", Object.assign(Object.create(navigator), { sendBeacon: beacon }));
    let now = 1000;
    vi.spyOn(performance, "now").mockImplementation(() => now);
    renderRoute("/no/such/page");
    now = 4000;
    setVisibility("hidden");
    expect(beacon).toHaveBeenCalledTimes(1);
    expect(await beaconBody(beacon, 0)).toEqual({
      path: "/no/such/page",
      engaged_ms: 3000,
    });

    // Hidden time does not count; visible again, it counts from then.
    now = 10_000;
    setVisibility("visible");
    now = 10_500;
    setVisibility("hidden");
    expect(await beaconBody(beacon, 1)).toEqual({
      path: "/no/such/page",
      engaged_ms: 500,
    });
  });
});
