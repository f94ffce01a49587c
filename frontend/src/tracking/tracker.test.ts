import { afterEach, describe, expect, it, vi } from "vitest";
import { config } from "../api/config";
import { stubApi } from "../test/api";
import { paperProps, resetTracking, trackClick, trackEngagement, trackPageview, trackSearch } from "./tracker";

afterEach(resetTracking);

function withGpc(enabled: boolean) {
  vi.stubGlobal("navigator", Object.assign(Object.create(navigator), { globalPrivacyControl: enabled }));
}

describe("tracker", () => {
  it("sends events as text/plain JSON to the analytics service, without cookies", () => {
    const api = stubApi({});
    trackPageview("/papers", "Papers");
    const [url, init] = api.fetchMock.mock.calls[0] ?? [];
    expect(url).toBe(`${config.analyticsUrl}/events/pageview`);
    expect(init).toMatchObject({ method: "POST", credentials: "omit", keepalive: true });
    expect(new Headers(init?.headers).get("Content-Type")).toBe("text/plain;charset=UTF-8");
    expect(api.events[0]?.body).toEqual({ path: "/papers", title: "Papers" });
  });

  it("sends the address with its campaign parameters only, when it has any", () => {
    const api = stubApi({});
    window.history.replaceState(null, "", "/projects?search=rag&utm_source=news&utm_campaign=launch&share=secret");
    try {
      trackPageview("/projects", "Projects");
    } finally {
      window.history.replaceState(null, "", "/");
    }
    trackPageview("/", "Home");
    expect(api.events[0]?.body.url).toBe(`${window.location.origin}/projects?utm_source=news&utm_campaign=launch`);
    expect(api.events[1]?.body).not.toHaveProperty("url");
  });

  it("uses the previous page as the referrer of the next pageview", () => {
    const api = stubApi({});
    trackPageview("/", "Home");
    trackPageview("/papers", "Papers");
    expect(api.events[1]?.body.referrer).toBe(window.location.href);
  });

  it("sends nothing at all under Global Privacy Control", () => {
    const api = stubApi({});
    const beacon = vi.fn(() => true);
    withGpc(true);
    Object.assign(navigator, { sendBeacon: beacon });
    trackPageview("/", "Home");
    const searchId = trackSearch("/papers", "rag", 3);
    trackClick({ target: "2411.01234", kind: "result" });
    trackEngagement("/", 5000, true);
    expect(searchId).toEqual(expect.any(String));
    expect(api.fetchMock).not.toHaveBeenCalled();
    expect(beacon).not.toHaveBeenCalled();
  });

  it("carries the latest search id to the clicks that follow it", () => {
    const api = stubApi({});
    trackClick({ target: "https://example.org", kind: "outbound" });
    const first = trackSearch("/papers", "rag", 3);
    trackClick({
      target: "2411.01234",
      kind: "result",
      props: paperProps({ arxiv_id: "2411.01234", topics: ["rag"] }),
    });
    const second = trackSearch("/papers", "moe", 0);
    trackClick({ target: "2411.00002", kind: "result" });

    const clicks = api.events.filter((e) => e.kind === "click").map((e) => e.body);
    expect(clicks[0]).not.toHaveProperty("search_id");
    expect(clicks[1]).toMatchObject({ search_id: first, props: { paper_id: "2411.01234", topics: ["rag"] } });
    expect(clicks[2]).toMatchObject({ search_id: second });
    expect(first).not.toBe(second);
    expect(api.events.filter((e) => e.kind === "search").map((e) => e.body)).toEqual([
      { path: "/papers", query: "rag", results_count: 3, search_id: first },
      { path: "/papers", query: "moe", results_count: 0, search_id: second },
    ]);
  });

  it("sends engagement with sendBeacon as text/plain when asked, and skips zero time", async () => {
    const api = stubApi({});
    const beacon = vi.fn((_url: string, _data?: BodyInit | null) => true);
    vi.stubGlobal("navigator", Object.assign(Object.create(navigator), { sendBeacon: beacon }));
    trackEngagement("/papers", 0, true);
    expect(beacon).not.toHaveBeenCalled();

    trackEngagement("/papers", 1234.4, true);
    expect(beacon).toHaveBeenCalledTimes(1);
    const [url, blob] = beacon.mock.calls[0] ?? [];
    expect(url).toBe(`${config.analyticsUrl}/events/engagement`);
    expect((blob as Blob).type).toBe("text/plain;charset=utf-8");
    expect(JSON.parse(await (blob as Blob).text())).toEqual({ path: "/papers", engaged_ms: 1234 });
    expect(api.fetchMock).not.toHaveBeenCalled();
  });

  it("falls back to fetch when the beacon is refused", () => {
    const api = stubApi({});
    vi.stubGlobal("navigator", Object.assign(Object.create(navigator), { sendBeacon: () => false }));
    trackEngagement("/papers", 100, true);
    expect(api.events).toEqual([
      expect.objectContaining({ kind: "engagement", body: { path: "/papers", engaged_ms: 100 } }),
    ]);
  });
});
