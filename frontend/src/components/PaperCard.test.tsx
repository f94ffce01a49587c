import { fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { config } from "../api/config";
import type { Paper } from "../api/core";
import { paper } from "../test/fixtures";
import { PaperCard } from "./PaperCard";
import { relevanceSegments } from "./RelevanceBar";

const LONG = "We retrieve things at a scale no earlier system reached, ".repeat(6).trim();

function card(overrides: Partial<Paper> = {}) {
  render(
    <MemoryRouter>
      <PaperCard paper={paper(overrides)} />
    </MemoryRouter>,
  );
  return screen.getByRole("article", { name: overrides.title ?? "Retrieval at Scale" });
}

describe("PaperCard", () => {
  it("previews two lines of the abstract and expands them in place", () => {
    const article = card({ abstract: LONG });
    const button = within(article).getByRole("button", { name: "Show more of the abstract of Retrieval at Scale" });
    const text = document.getElementById(button.getAttribute("aria-controls") ?? "");
    expect(text).toHaveTextContent(LONG);
    expect(text).toHaveClass("preview-clamped");
    expect(button).toHaveAttribute("aria-expanded", "false");

    fireEvent.click(button);
    expect(button).toHaveAttribute("aria-expanded", "true");
    expect(button).toHaveTextContent(/^Show less/);
    expect(text).not.toHaveClass("preview-clamped");
    fireEvent.click(button);
    expect(text).toHaveClass("preview-clamped");
  });

  it("prefers the AI summary, and needs no button for a text that fits", () => {
    const article = card({ abstract: LONG, ai_summary: "Retrieval scales." });
    expect(article).toHaveTextContent("Summary: Retrieval scales.");
    expect(article).not.toHaveTextContent("no earlier system");
    expect(within(article).queryByRole("button", { name: /^Show more/ })).toBeNull();
  });

  it("shows the thumbnail from core, never from the upstream", () => {
    const article = card({ thumbnail: "/api/papers/2411.01234/thumbnail/" });
    const image = article.querySelector("img.paper-thumbnail");
    expect(image).toHaveAttribute("src", `${config.coreUrl}/api/papers/2411.01234/thumbnail/`);
    expect(image).toHaveAttribute("alt", "");
  });

  it("has no image when the paper has none, or when it fails to load", () => {
    expect(card().querySelector("img")).toBeNull();
  });

  it("hides an image that fails to load", () => {
    const article = card({ thumbnail: "/api/papers/2411.01234/thumbnail/" });
    const image = article.querySelector("img.paper-thumbnail");
    fireEvent.error(image as Element);
    expect(article.querySelector("img")).toBeNull();
  });

  it("draws relevance as a stacked bar of its weighted components that adds up to the score", () => {
    const article = card({
      relevance: 64,
      // Stored JSON keeps no key order: the bar draws them in the weights' order all the same.
      relevance_components: { code: 0, recency: 0.5, interest: 0.8, community: 0.5 },
    });
    const bar = within(article).getByRole("img", { name: /^Relevance 64 of 100: / });
    // 0.5·0.8 + 0.2·0.5 + 0.2·0.5 = 0.6 of weight 1.0 -> scaled to the stored 64 points.
    expect(bar).toHaveAccessibleName("Relevance 64 of 100: interest 43, community 11, recency 11");
    const widths = [...bar.querySelectorAll<HTMLElement>(".relevance-segment")].map((s) =>
      Number.parseFloat(s.style.width),
    );
    expect(widths.reduce((a, b) => a + b, 0)).toBeCloseTo(64);
  });

  it("leaves out components it has no weight for, and draws nothing without components", () => {
    expect(relevanceSegments({ relevance: 50, relevance_components: { novelty: 1, interest: 1 } })).toEqual([
      { name: "interest", points: 50 },
    ]);
    expect(relevanceSegments({ relevance: 50, relevance_components: {} })).toEqual([]);
  });
});
