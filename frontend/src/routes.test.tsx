import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { config } from "./api/config";
import { stubApi } from "./test/api";
import { renderRoute } from "./test/render";

describe("routes", () => {
  it("renders the 404 page inside the layout for an unknown path", async () => {
    const api = stubApi({});
    renderRoute("/no/such/page");

    expect(screen.getByRole("heading", { level: 1, name: "Page not found" })).toBeInTheDocument();
    expect(screen.getByRole("navigation", { name: "Main" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to the home page" })).toHaveAttribute("href", "/");
    expect(document.title).toBe("Page not found · AI Platform Portfolio");
    // The 404 page asks core for nothing; only its pageview goes to analytics.
    expect(api.requests).toHaveLength(0);
    expect(api.events.map((e) => e.kind)).toEqual(["pageview"]);
    expect(api.fetchMock.mock.calls[0]?.[0]).toBe(`${config.analyticsUrl}/events/pageview`);
  });

  it("offers a skip link and the main navigation", () => {
    stubApi({});
    renderRoute("/no/such/page");
    expect(screen.getByRole("link", { name: "Skip to content" })).toHaveAttribute("href", "#main");
    for (const name of ["Home", "Projects", "Papers", "Chat", "Analytics"]) {
      expect(screen.getByRole("link", { name })).toBeInTheDocument();
    }
  });
});
