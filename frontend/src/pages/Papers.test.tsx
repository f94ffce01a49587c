import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { errorResponse, stubApi } from "../test/api";
import { paper } from "../test/fixtures";
import { renderRoute } from "../test/render";
import { resetTracking } from "../tracking/tracker";

afterEach(resetTracking);

function papersPage(results: ReturnType<typeof paper>[], count = results.length, next: string | null = null) {
  return { count, next, previous: null, results };
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
    const api = stubApi({ "/api/papers/": papersPage([paper()]) });
    const { router } = renderRoute("/papers");
    await screen.findByRole("article");

    fireEvent.change(screen.getByRole("searchbox", { name: "Search papers" }), { target: { value: "retrieval" } });
    fireEvent.change(screen.getByRole("combobox", { name: "Topic" }), { target: { value: "rag" } });
    fireEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(router.state.location.search).toBe("?search=retrieval&topic=rag"));

    fireEvent.change(screen.getByRole("combobox", { name: "Sort by" }), { target: { value: "-published" } });
    fireEvent.click(screen.getByRole("checkbox", { name: "Only papers with code" }));
    fireEvent.change(screen.getByRole("combobox", { name: "Source" }), { target: { value: "huggingface" } });
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
