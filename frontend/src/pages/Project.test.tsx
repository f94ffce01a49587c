import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { page, stubApi } from "../test/api";
import { project } from "../test/fixtures";
import { renderRoute } from "../test/render";

describe("Projects and a project", () => {
  it("lists the projects", async () => {
    stubApi({ "/api/projects/": page([project]) });
    renderRoute("/projects");
    const card = await screen.findByRole("article");
    expect(within(card).getByRole("link", { name: "RAG Bot" })).toHaveAttribute("href", "/projects/rag-bot");
    expect(within(card).getByRole("list", { name: "Technologies of RAG Bot" })).toHaveTextContent("Python");
  });

  it("explains an empty list", async () => {
    stubApi({ "/api/projects/": page([]) });
    renderRoute("/projects");
    expect(await screen.findByText(/No projects yet/)).toBeInTheDocument();
  });

  it("renders a project's README from core's sanitised HTML, with its image and links", async () => {
    stubApi({
      "/api/projects/rag-bot/": {
        ...project,
        image: "http://core.test/media/rag.png",
        demo_url: "https://demo.example.org",
        body: "# RAG Bot",
        body_html: "<h2>How it works</h2><p>It <em>cites</em> sources.</p>",
      },
    });
    renderRoute("/projects/rag-bot");
    expect(await screen.findByRole("heading", { level: 1, name: "RAG Bot" })).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 2, name: "How it works" })).toBeInTheDocument();
    expect(screen.getByText("cites").tagName).toBe("EM");
    expect(screen.getByRole("img", { name: "RAG Bot: screenshot" })).toHaveAttribute(
      "src",
      "http://core.test/media/rag.png",
    );
    expect(screen.getByRole("link", { name: /Source code/ })).toHaveAttribute("href", project.repository_url);
    expect(screen.getByRole("link", { name: /Live demo/ })).toHaveAttribute("target", "_blank");
    expect(document.querySelector('meta[name="description"]')).toHaveAttribute("content", project.summary);
    expect(document.querySelector('meta[property="og:image"]')).toHaveAttribute(
      "content",
      "http://core.test/media/rag.png",
    );
    expect(document.querySelector('meta[property="og:type"]')).toHaveAttribute("content", "article");
  });

  it("shows the 404 page for an unknown project", async () => {
    stubApi({});
    renderRoute("/projects/nope");
    expect(await screen.findByText("There is no such project.")).toBeInTheDocument();
  });
});
