import { screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { config } from "../api/config";
import { jsonResponse, renderRoute } from "../test/render";

// Resolves the stubbed fetch only when the test says so, to observe the loading state first.
function deferredFetch() {
  let resolve: (response: Response) => void = () => {};
  const promise = new Promise<Response>((r) => {
    resolve = r;
  });
  const fetchMock = vi.fn(() => promise);
  vi.stubGlobal("fetch", fetchMock);
  return { fetchMock, resolve };
}

describe("Home", () => {
  it("shows the site name and the loading state, then that core is up", async () => {
    const { fetchMock, resolve } = deferredFetch();
    renderRoute("/");

    expect(screen.getByRole("heading", { level: 1, name: "AI Platform Portfolio" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Checking Core…");
    expect(screen.getByRole("status")).toHaveAttribute("data-state", "loading");
    expect(fetchMock).toHaveBeenCalledWith(`${config.coreUrl}/health`, expect.anything());

    resolve(jsonResponse({ status: "ok", service: "core" }));
    expect(await screen.findByText("Core is up")).toHaveAttribute("data-state", "up");
  });

  it("shows the envelope's message when core answers an error", async () => {
    const { resolve } = deferredFetch();
    renderRoute("/");
    expect(screen.getByRole("status")).toHaveAttribute("data-state", "loading");

    resolve(jsonResponse({ error: { code: "service_unavailable", message: "Core is starting.", details: {} } }, 503));
    const status = await screen.findByText(/not answering/);
    expect(status).toHaveTextContent("Core is not answering: Core is starting.");
    expect(status).toHaveAttribute("data-state", "down");
  });

  it("shows that core is unreachable when the request fails", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    renderRoute("/");
    const status = await screen.findByText(/not answering/);
    expect(status).toHaveTextContent("The service could not be reached");
  });
});
