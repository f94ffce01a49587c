import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readSavedPapers, SAVED_PAPERS_KEY, savePaper } from "../hooks/useSavedPapers";
import { page, stubApi } from "../test/api";
import { paper } from "../test/fixtures";
import { renderRoute } from "../test/render";
import { resetTracking } from "../tracking/tracker";

beforeEach(() => window.localStorage.clear());
afterEach(resetTracking);

describe("Save for later", () => {
  it("saves a paper from its page, and the Saved view lists it until it is removed", async () => {
    stubApi({
      "/api/papers/2411.01234/": paper(),
      "/api/papers/2411.01234/similar/": { results: [], degraded: false },
    });
    const { router } = renderRoute("/papers/2411.01234");
    const save = await screen.findByRole("button", { name: "Save for later" });
    expect(save).toHaveAttribute("aria-pressed", "false");
    fireEvent.click(save);
    expect(screen.getByRole("button", { name: "Saved" })).toHaveAttribute("aria-pressed", "true");
    expect(JSON.parse(window.localStorage.getItem(SAVED_PAPERS_KEY) ?? "[]")).toMatchObject([
      { arxiv_id: "2411.01234", title: "Retrieval at Scale" },
    ]);

    await router.navigate("/papers/saved");
    expect(await screen.findByRole("heading", { level: 1, name: "Saved papers" })).toBeInTheDocument();
    const list = screen.getByRole("list", { name: "Saved papers" });
    expect(within(list).getByRole("link", { name: "Retrieval at Scale" })).toHaveAttribute(
      "href",
      "/papers/2411.01234",
    );
    fireEvent.click(within(list).getByRole("button", { name: "Remove: Retrieval at Scale" }));
    expect(screen.queryByRole("link", { name: "Retrieval at Scale" })).not.toBeInTheDocument();
    expect(screen.getByText(/Nothing saved yet/)).toBeInTheDocument();
  });

  it("is offered on each card of the list, named after its paper", async () => {
    stubApi({ "/api/papers/": page([paper(), paper({ arxiv_id: "2411.09999", title: "Other" })]) });
    renderRoute("/papers");
    fireEvent.click(await screen.findByRole("button", { name: "Save for later: Other" }));
    expect(screen.getByRole("button", { name: "Saved: Other" })).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("link", { name: "Saved papers" })).toHaveAttribute("href", "/papers/saved");
    expect(readSavedPapers().map((p) => p.arxiv_id)).toEqual(["2411.09999"]);
  });

  it("lists the newest first, keeps one entry per paper, and survives a corrupt store", () => {
    savePaper({ arxiv_id: "a", title: "A", authors: [], published: null }, new Date("2026-01-01"));
    savePaper({ arxiv_id: "b", title: "B", authors: [], published: null }, new Date("2026-01-02"));
    savePaper({ arxiv_id: "a", title: "A", authors: [], published: null }, new Date("2026-01-03"));
    expect(readSavedPapers().map((p) => p.arxiv_id)).toEqual(["a", "b"]);
    window.localStorage.setItem(SAVED_PAPERS_KEY, "{not json");
    expect(readSavedPapers()).toEqual([]);
    window.localStorage.setItem(
      SAVED_PAPERS_KEY,
      JSON.stringify([{ arxiv_id: 1 }, { arxiv_id: "x", title: "X", authors: [] }]),
    );
    expect(readSavedPapers().map((p) => p.arxiv_id)).toEqual(["x"]);
  });
});
