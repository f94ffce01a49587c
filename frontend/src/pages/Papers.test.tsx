import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { config } from "../api/config";
import { errorResponse, stubApi } from "../test/api";
import { paper } from "../test/fixtures";
import { renderRoute } from "../test/render";
import { resetTracking } from "../tracking/tracker";

afterEach(resetTracking);

function papersPage(results: ReturnType<typeof paper>[], count = results.length, next: string | null = null) {
  return { count, next, previous: null, results };
}

function facets() {
  return {
    total: 4,
    exact: true,
    topics: [
      { value: "rag", count: 3 },
      { value: "llm", count: 2 },
    ],
    tags: [{ value: "benchmark", count: 2 }],
    sources: [
      { value: "arxiv", count: 4 },
      { value: "huggingface", count: 1 },
    ],
  };
}

describe("Papers", () => {
  it("lists papers with authors, topics, tags, the score and its explanation, and their links", async () => {
    stubApi({ "/api/papers/": papersPage([paper()]) });
    renderRoute("/papers");

    const card = await screen.findByRole("article", { name: "Retrieval at Scale" });
    expect(within(card).getByRole("link", { name: "Retrieval at Scale" })).toHaveAttribute(
      "href",
      "/papers/2411.01234",
    );
    expect(card).toHaveTextContent("Ada Lovelace, Alan Turing");
    const topics = within(card).getByRole("list", { name: "Topics of Retrieval at Scale" });
    expect(within(topics).getByRole("link", { name: "rag" })).toHaveAttribute("href", "/papers?topic=rag");
    expect(within(card).getByRole("list", { name: "Tags of Retrieval at Scale" })).toHaveTextContent("benchmark");
    expect(card).toHaveTextContent("Relevance 82/100");
    expect(within(card).getByText("Why this score")).toBeInTheDocument();
    expect(card).toHaveTextContent("Match with the owner's interests: 90%");
    expect(within(card).getByRole("link", { name: /^Abstract/ })).toHaveAttribute(
      "href",
      "https://arxiv.org/abs/2411.01234",
    );
    expect(within(card).getByRole("link", { name: /^PDF/ })).toHaveAttribute(
      "href",
      "https://arxiv.org/pdf/2411.01234",
    );
    expect(within(card).getByRole("link", { name: /^Code \(42 stars\)/ })).toHaveAttribute(
      "href",
      "https://github.com/example/retrieval",
    );
    expect(screen.getByRole("status")).toHaveTextContent("1 paper");
  });

  it("shows a count core capped as a lower bound", async () => {
    stubApi({ "/api/papers/": { ...papersPage([paper()], 200), count_capped: true } });
    renderRoute("/papers?search=models");
    await screen.findByRole("article");
    expect(screen.getByRole("status")).toHaveTextContent("200+ papers");
  });

  it("searches and filters through the URL and core's query parameters", async () => {
    const api = stubApi({ "/api/papers/": papersPage([paper()]), "/api/papers/facets/": facets() });
    const { router } = renderRoute("/papers");
    await screen.findByRole("article");

    fireEvent.change(screen.getByRole("searchbox", { name: "Search papers" }), { target: { value: "retrieval" } });
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(router.state.location.search).toBe("?search=retrieval"));
    fireEvent.click(await screen.findByRole("button", { name: "rag 3" }));
    await waitFor(() => expect(router.state.location.search).toBe("?search=retrieval&topic=rag"));

    fireEvent.change(screen.getByRole("combobox", { name: "Sort by" }), { target: { value: "-published" } });
    fireEvent.click(screen.getByRole("checkbox", { name: "Only papers with code" }));
    fireEvent.click(screen.getByRole("button", { name: "Hugging Face 1" }));
    await waitFor(() => {
      const last = new URL(api.calls("/api/papers/").at(-1)?.url ?? "");
      expect(Object.fromEntries(last.searchParams)).toEqual({
        page: "1",
        page_size: "20",
        search: "retrieval",
        topic: "rag",
        source: "huggingface",
        has_code: "true",
        ordering: "-published",
      });
    });
    // The facets are asked for the same filters, without the list's ordering and page.
    const counted = new URL(api.calls("/api/papers/facets/").at(-1)?.url ?? "");
    expect(Object.fromEntries(counted.searchParams)).toEqual({
      search: "retrieval",
      topic: "rag",
      source: "huggingface",
      has_code: "true",
    });
  });

  it("shows topic, tag and source chips with counts; a pressed chip filters and pressing it again clears", async () => {
    stubApi({ "/api/papers/": papersPage([paper()]), "/api/papers/facets/": facets() });
    const { router } = renderRoute("/papers?tag=rare");
    const topics = await screen.findByRole("list", { name: "Topics" });
    expect(
      within(topics)
        .getAllByRole("button")
        .map((b) => b.textContent),
    ).toEqual(["rag 3", "llm 2"]);
    // A selected value missing from the most frequent ones is still listed, pressed, with the total.
    const rare = within(screen.getByRole("list", { name: "Tags" })).getByRole("button", { name: "rare 4" });
    expect(rare).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByRole("button", { name: "benchmark 2" })).toHaveAttribute("aria-pressed", "false");
    fireEvent.click(rare);
    await waitFor(() => expect(router.state.location.search).toBe(""));
  });

  it("browses by day: previous and next day move the UTC range core is asked for", async () => {
    const api = stubApi({ "/api/papers/": papersPage([paper()]), "/api/papers/facets/": facets() });
    const { router } = renderRoute("/papers?day=2026-03-01");
    await screen.findByRole("article");
    expect(screen.getByLabelText("Published on")).toHaveValue("2026-03-01");
    expect(screen.getByRole("status")).toHaveTextContent("1 paper published on");

    fireEvent.click(screen.getByRole("button", { name: "Previous day" }));
    await waitFor(() => expect(router.state.location.search).toBe("?day=2026-02-28"));
    await waitFor(() => {
      const last = new URL(api.calls("/api/papers/").at(-1)?.url ?? "");
      expect(last.searchParams.get("published_after")).toBe("2026-02-28");
      expect(last.searchParams.get("published_before")).toBe("2026-03-01");
    });
    fireEvent.click(screen.getByRole("button", { name: "Next day" }));
    await waitFor(() => expect(router.state.location.search).toBe("?day=2026-03-01"));
    fireEvent.click(screen.getByRole("button", { name: "All days" }));
    await waitFor(() => expect(router.state.location.search).toBe(""));
    expect(screen.getByRole("button", { name: "Next day" })).toBeDisabled();
  });

  it("links each topic's Atom feed, and puts the browsed topic's feed in the head", async () => {
    stubApi({ "/api/papers/": papersPage([paper()]), "/api/papers/facets/": facets() });
    const { unmount } = renderRoute("/papers?topic=rag");
    const feeds = await screen.findByRole("list", { name: "Atom feeds" });
    expect(await within(feeds).findByRole("link", { name: "Subscribe to llm" })).toHaveAttribute(
      "href",
      `${config.coreUrl}/api/papers/feed.xml?topic=llm`,
    );
    expect(within(feeds).getByRole("link", { name: "All topics" })).toHaveAttribute(
      "href",
      `${config.coreUrl}/api/papers/feed.xml`,
    );
    const visible = screen.getAllByRole("link", { name: "Subscribe to rag" });
    expect(visible[0]).toHaveAttribute("href", `${config.coreUrl}/api/papers/feed.xml?topic=rag`);
    const head = document.head.querySelector('link[rel="alternate"][type="application/atom+xml"]');
    expect(head).toHaveAttribute("href", `${config.coreUrl}/api/papers/feed.xml?topic=rag`);
    unmount();
    expect(document.head.querySelector('link[rel="alternate"][data-topic]')).toBeNull();
  });

  it("reports a search once with its result count, and the next click carries its search id", async () => {
    const api = stubApi({ "/api/papers/": papersPage([paper()], 7) });
    renderRoute("/papers?search=retrieval");
    const link = await screen.findByRole("link", { name: "Retrieval at Scale" });

    await waitFor(() => expect(api.events.filter((e) => e.kind === "search")).toHaveLength(1));
    const search = api.events.find((e) => e.kind === "search")?.body ?? {};
    expect(search).toMatchObject({ query: "retrieval", results_count: 7, path: "/papers" });
    expect(search.search_id).toEqual(expect.any(String));

    fireEvent.click(link);
    await waitFor(() => expect(api.events.some((e) => e.kind === "click")).toBe(true));
    const click = api.events.find((e) => e.kind === "click")?.body;
    expect(click).toMatchObject({
      kind: "result",
      target: "2411.01234",
      search_id: search.search_id,
      props: { paper_id: "2411.01234", topics: ["rag", "llm"] },
    });
  });

  it("explains that papers arrive from the daily scrape when there are none yet", async () => {
    stubApi({
      "/api/papers/": papersPage([]),
      "/api/papers/scrape-status/": errorResponse(404, "not_found", "No job yet."),
    });
    renderRoute("/papers");
    expect(await screen.findByText(/They arrive from the daily scrape/)).toBeInTheDocument();
    expect(await screen.findByText("No scrape has run yet.")).toBeInTheDocument();
  });

  it("says so when filters match nothing, and when core is down", async () => {
    stubApi({ "/api/papers/": papersPage([]) });
    renderRoute("/papers?topic=quantum");
    expect(await screen.findByText("No papers match these filters.")).toBeInTheDocument();

    stubApi({ "/api/papers/": errorResponse(503, "service_unavailable", "Starting up.") });
    renderRoute("/papers?topic=other");
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not load the papers.");
  });

  it("loads the next page on request", async () => {
    const api = stubApi({
      "/api/papers/": (request: Request) =>
        new URL(request.url).searchParams.get("page") === "2"
          ? papersPage([paper({ arxiv_id: "2411.00002", title: "Second Page Paper" })], 2)
          : papersPage([paper()], 2, "http://core/api/papers/?page=2"),
    });
    renderRoute("/papers");
    fireEvent.click(await screen.findByRole("button", { name: "Load more papers" }));
    expect(await screen.findByRole("article", { name: "Second Page Paper" })).toBeInTheDocument();
    expect(screen.getAllByRole("article")).toHaveLength(2);
    expect(api.calls("/api/papers/")).toHaveLength(2);
    expect(screen.queryByRole("button", { name: "Load more papers" })).not.toBeInTheDocument();
  });
});
