import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stubApi } from "../test/api";
import { paper } from "../test/fixtures";
import { renderRoute } from "../test/render";
import { resetTracking } from "../tracking/tracker";
import { arxivIdFromPath } from "./Paper";

afterEach(resetTracking);

describe("Paper page", () => {
  it("handles old-style ids that contain a slash", async () => {
    const api = stubApi({ "/api/papers/hep-th/9901001/": paper({ arxiv_id: "hep-th/9901001", title: "Strings" }) });
    renderRoute("/papers/hep-th/9901001");
    expect(await screen.findByRole("heading", { level: 1, name: "Strings" })).toBeInTheDocument();
    expect(api.calls("/api/papers/hep-th/9901001/")).toHaveLength(1);
    expect(screen.getByRole("link", { name: "Ask about this paper" })).toHaveAttribute(
      "href",
      "/chat?paper=hep-th%2F9901001",
    );
    expect(document.title).toBe("Strings · AI Platform Portfolio");
  });

  it("reads the id from the path, without a version or trailing slash", () => {
    expect(arxivIdFromPath("2411.01234v3")).toBe("2411.01234");
    expect(arxivIdFromPath("hep-th/9901001/")).toBe("hep-th/9901001");
  });

  it("sends its pageview once the paper is loaded, with the paper's id and topics", async () => {
    const api = stubApi({ "/api/papers/2411.01234/": paper() });
    renderRoute("/papers/2411.01234");
    await screen.findByRole("heading", { level: 1, name: "Retrieval at Scale" });
    await waitFor(() => expect(api.events.filter((e) => e.kind === "pageview")).toHaveLength(1));
    expect(api.events[0]?.body).toMatchObject({
      path: "/papers/2411.01234",
      title: "Retrieval at Scale · AI Platform Portfolio",
      props: { paper_id: "2411.01234", topics: ["rag", "llm"] },
    });
  });

  it("shares with the system sheet when there is one, else copies the link", async () => {
    const api = stubApi({ "/api/papers/2411.01234/": paper() });
    const writeText = vi.fn(async () => {});
    vi.stubGlobal("navigator", Object.assign(Object.create(navigator), { clipboard: { writeText }, share: undefined }));
    renderRoute("/papers/2411.01234");
    fireEvent.click(await screen.findByRole("button", { name: "Share" }));
    expect(await screen.findByText("Link copied to the clipboard.")).toBeInTheDocument();
    expect(writeText).toHaveBeenCalledWith(`${window.location.origin}/papers/2411.01234`);
    const share = api.events.find((e) => e.kind === "share" || e.body.kind === "share");
    expect(share?.body).toMatchObject({ kind: "share", target: "2411.01234", props: { topics: ["rag", "llm"] } });

    const shareSheet = vi.fn(async () => {});
    vi.stubGlobal("navigator", Object.assign(Object.create(navigator), { share: shareSheet }));
    fireEvent.click(screen.getByRole("button", { name: "Share" }));
    await waitFor(() =>
      expect(shareSheet).toHaveBeenCalledWith({
        title: "Retrieval at Scale",
        url: `${window.location.origin}/papers/2411.01234`,
      }),
    );
  });

  it("shows the 404 page for an unknown paper", async () => {
    stubApi({});
    renderRoute("/papers/2411.99999");
    expect(await screen.findByRole("heading", { level: 1, name: "Page not found" })).toBeInTheDocument();
    expect(screen.getByText("There is no such paper.")).toBeInTheDocument();
  });
});

describe("Similar papers", () => {
  it("links the similar papers core returns, old-style ids included", async () => {
    const api = stubApi({
      "/api/papers/2411.01234/": paper(),
      "/api/papers/2411.01234/similar/": {
        degraded: false,
        results: [
          { ...paper({ arxiv_id: "2411.05555", title: "Dense Retrieval Revisited" }), similarity: 0.82 },
          { ...paper({ arxiv_id: "hep-th/9901001", title: "Strings" }), similarity: 0.41 },
        ],
      },
    });
    renderRoute("/papers/2411.01234");
    const section = await screen.findByRole("region", { name: "Similar papers" });
    expect(within(section).getByRole("link", { name: "Dense Retrieval Revisited" })).toHaveAttribute(
      "href",
      "/papers/2411.05555",
    );
    expect(within(section).getByRole("link", { name: "Strings" })).toHaveAttribute("href", "/papers/hep-th/9901001");
    expect(api.calls("/api/papers/2411.01234/similar/")).toHaveLength(1);
  });

  it("shows no section when there are none or core could not compute them", async () => {
    const api = stubApi({
      "/api/papers/2411.01234/": paper(),
      "/api/papers/2411.01234/similar/": { results: [], degraded: true },
    });
    renderRoute("/papers/2411.01234");
    await screen.findByRole("heading", { level: 1, name: "Retrieval at Scale" });
    await waitFor(() => expect(api.calls("/api/papers/2411.01234/similar/")).toHaveLength(1));
    expect(screen.queryByRole("heading", { name: "Similar papers" })).not.toBeInTheDocument();
  });
});
