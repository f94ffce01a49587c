import { screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { jsonResponse, renderRoute } from "./test/render";

describe("routes", () => {
  it("renders the 404 page inside the layout for an unknown path", () => {
    const fetchMock = vi.fn(async () => jsonResponse({ status: "ok" }));
    vi.stubGlobal("fetch", fetchMock);
    renderRoute("/no/such/page");

    expect(screen.getByRole("heading", { level: 1, name: "Page not found" })).toBeInTheDocument();
    expect(screen.getByRole("navigation", { name: "Main" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to the home page" })).toHaveAttribute("href", "/");
    // The 404 page has no reason to call any service.
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
