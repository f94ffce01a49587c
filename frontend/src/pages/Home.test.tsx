import { screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { errorResponse, page, stubApi } from "../test/api";
import { journey, profile, project, techStack } from "../test/fixtures";
import { renderRoute } from "../test/render";

const content = {
  "/api/profile/": profile,
  "/api/tech-stack/": page(techStack),
  "/api/journey/": page(journey),
  "/api/projects/": page([project]),
};

describe("Home", () => {
  it("shows the profile, the tech stack by category, the journey and the featured projects", async () => {
    const api = stubApi(content);
    renderRoute("/");

    expect(await screen.findByRole("heading", { level: 1, name: "Vasu Kapoor" })).toBeInTheDocument();
    expect(screen.getByText("AI/ML engineer")).toBeInTheDocument();
    // The bio is core's sanitised HTML, rendered as HTML.
    expect(screen.getByText("retrieval").tagName).toBe("STRONG");

    const stack = screen.getByRole("region", { name: "Tech stack" });
    const languages = await within(stack).findByRole("region", { name: "Languages" });
    expect(
      within(languages)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["Python", "TypeScript"]);
    expect(within(stack).getByRole("region", { name: "ML & AI" })).toHaveTextContent("PyTorch");

    const timeline = screen.getByRole("region", { name: "Journey" });
    expect(await within(timeline).findByRole("heading", { name: /ML Engineer/ })).toBeInTheDocument();
    expect(within(timeline).getByText(/now/)).toBeInTheDocument();

    const featured = screen.getByRole("region", { name: "Featured projects" });
    expect(await within(featured).findByRole("link", { name: "RAG Bot" })).toHaveAttribute("href", "/projects/rag-bot");
    expect(api.calls("/api/projects/")[0]?.url).toContain("featured=true");

    expect(document.title).toBe("Vasu Kapoor — AI/ML engineer · AI Platform Portfolio");
    expect(document.querySelector('meta[property="og:title"]')).toHaveAttribute("content", document.title);
  });

  it("explains an empty profile and shows a message for each failed request", async () => {
    stubApi({
      "/api/profile/": errorResponse(404, "not_found", "No profile has been written yet."),
      "/api/tech-stack/": errorResponse(503, "service_unavailable", "Database is down."),
      "/api/journey/": page([]),
      "/api/projects/": page([]),
    });
    renderRoute("/");

    expect(await screen.findByText(/No profile has been written yet/)).toBeInTheDocument();
    expect((await screen.findByText(/Could not load the tech stack/)).closest('[role="alert"]')).toHaveTextContent(
      "The core service is unavailable right now (Database is down.)",
    );
    expect(await screen.findByText("No journey entries yet.")).toBeInTheDocument();
    expect(await screen.findByText("No featured projects yet.")).toBeInTheDocument();
  });

  it("says core is not answering when it cannot be reached", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    renderRoute("/");
    const alerts = await screen.findAllByRole("alert");
    expect(alerts[0]).toHaveTextContent("The core service is not answering right now.");
    expect(screen.getAllByRole("button", { name: "Try again" }).length).toBeGreaterThan(0);
  });
});
