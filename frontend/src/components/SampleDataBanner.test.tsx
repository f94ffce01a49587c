import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { jsonResponse, stubApi } from "../test/api";
import { paper } from "../test/fixtures";
import { renderRoute } from "../test/render";
import { resetTracking } from "../tracking/tracker";

afterEach(resetTracking);

function papersPage(results: ReturnType<typeof paper>[]) {
  return { count: results.length, next: null, previous: null, results };
}

const SAMPLE_ID = "sample/0701001";

describe("SampleDataBanner", () => {
  it("marks the papers list while sample papers are shown", async () => {
    stubApi({
      "/api/papers/": papersPage([paper({ arxiv_id: SAMPLE_ID, sample: true, abs_url: null, pdf_url: null })]),
    });
    renderRoute("/papers");

    await screen.findByRole("article", { name: "Retrieval at Scale" });
    expect(screen.getByRole("note")).toHaveTextContent("Sample data. These papers are samples");
  });

  it("is absent once the papers are real", async () => {
    stubApi({ "/api/papers/": papersPage([paper()]) });
    renderRoute("/papers");

    await screen.findByRole("article", { name: "Retrieval at Scale" });
    expect(screen.queryByRole("note")).not.toBeInTheDocument();
  });

  it("marks a sample paper's own page", async () => {
    stubApi({
      [`/api/papers/${SAMPLE_ID}/`]: () =>
        jsonResponse(paper({ arxiv_id: SAMPLE_ID, sample: true, abs_url: null, pdf_url: null })),
    });
    renderRoute(`/papers/${SAMPLE_ID}`);

    expect(await screen.findByRole("heading", { level: 1, name: "Retrieval at Scale" })).toBeInTheDocument();
    expect(screen.getByRole("note")).toHaveTextContent("Sample data.");
  });
});
