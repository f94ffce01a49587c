import { rmSync } from "node:fs";
import path from "node:path";
import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { ARTIFACTS, settled } from "./support/pages";
import { fixturePaper, fixturePapers, stack } from "./support/stack";

// A visitor's walk through the site on the real stack, recorded as one video
// (test-results/e2e-artifacts/walkthrough.webm). The steps share one browser context, in order.
test.describe.configure({ mode: "serial" });

const ASKED = fixturePaper("2611.04217");
const VIDEO_PARTS = path.join(ARTIFACTS, "video-parts");
let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({
    baseURL: stack().frontendUrl,
    viewport: { width: 1280, height: 800 },
    recordVideo: { dir: VIDEO_PARTS, size: { width: 1280, height: 800 } },
  });
  page = await context.newPage();
});

// The video's encoder needs a moment of a still page to draw it cleanly, and a viewer needs it to read:
// each loaded page and each step's end are held briefly. Pacing only; nothing is asserted on time.
const HOLD_MS = 700;

async function shown(): Promise<void> {
  await settled(page);
  await page.waitForTimeout(HOLD_MS);
}

test.afterEach(async () => {
  await page.waitForTimeout(HOLD_MS);
});

test.afterAll(async () => {
  const video = page.video();
  await context.close();
  if (video) {
    await video.saveAs(path.join(ARTIFACTS, "walkthrough.webm"));
    await video.delete();
  }
  rmSync(VIDEO_PARTS, { recursive: true, force: true });
});

test("home shows the seeded profile, tech stack, journey and featured projects", async () => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Vasu Kapoor");
  await expect(page).toHaveTitle(/^Vasu Kapoor — AI\/ML Engineer.* · AI Platform Portfolio$/);
  await expect(page.locator('meta[name="description"]')).toHaveAttribute("content", /machine-learning systems/);
  await expect(page.locator('meta[property="og:title"]')).toHaveAttribute("content", /Vasu Kapoor/);
  await shown();

  const stackSection = page.getByRole("region", { name: "Tech stack" });
  await expect(stackSection).toContainText("PyTorch");
  await expect(stackSection).toContainText("Infrastructure");
  await expect(page.getByRole("region", { name: "Journey" })).toContainText("Senior ML Engineer");
  await expect(page.getByRole("region", { name: "Featured projects" }).getByRole("article").first()).toBeVisible();
});

test("projects list and a project page with its rendered README", async () => {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Projects" }).click();
  await expect(page).toHaveURL(/\/projects$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Projects");
  await shown();
  for (const title of ["Grounded RAG assistant", "evalkit — reproducible LLM evaluation", "Feature store lite"]) {
    await expect(page.getByRole("link", { name: title })).toBeVisible();
  }

  await page.getByRole("link", { name: "Grounded RAG assistant" }).click();
  await expect(page).toHaveURL(/\/projects\/rag-assistant$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Grounded RAG assistant");
  await expect(page).toHaveTitle("Grounded RAG assistant · AI Platform Portfolio");
  await shown();
  // The README arrives as core's sanitised HTML: rendered markup, not Markdown source.
  const readme = page.locator(".prose");
  await expect(readme).not.toBeEmpty();
  await expect(readme).not.toContainText("## ");
  await page.getByRole("link", { name: "← All projects" }).click();
  await expect(page).toHaveURL(/\/projects$/);
});

test("papers: search, then filter by topic", async () => {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Papers" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("AI papers");
  await shown();
  await expect(page.locator(".result-count")).toHaveText(`${fixturePapers().length} papers`);
  const cards = page.locator(".paper-list article");
  await expect(cards).toHaveCount(fixturePapers().length);
  // Sorted by relevance by default: the best-scored fixture paper comes first.
  await expect(cards.first().getByRole("heading")).toHaveText(ASKED.title);

  await page.getByLabel("Search papers").fill("retrieval");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/search=retrieval/);
  await expect(page.locator(".result-count")).toHaveText(/^\d+ papers? for “retrieval”$/);
  await expect(page.getByRole("link", { name: ASKED.title })).toBeVisible();
  await expect(page.getByRole("link", { name: fixturePaper("2611.03120").title })).toBeVisible();
  await expect(page.getByRole("link", { name: fixturePaper("2610.04488").title })).toHaveCount(0);

  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page.locator(".result-count")).toHaveText(`${fixturePapers().length} papers`);

  const rag = fixturePapers().filter((p) => p.topics.includes("RAG"));
  // Topics are chips with counts (core's facets); the count is how many papers the chip keeps.
  await page
    .getByRole("list", { name: "Topics", exact: true })
    .getByRole("button", { name: `RAG ${rag.length}`, exact: true })
    .click();
  await expect(page).toHaveURL(/topic=RAG/);
  await expect(page.locator(".result-count")).toHaveText(`${rag.length} papers`);
  await expect(cards).toHaveCount(rag.length);
  for (const paper of rag) {
    const card = page.getByRole("article", { name: paper.title });
    await expect(card.getByRole("list", { name: `Topics of ${paper.title}` })).toContainText("RAG");
    await expect(card.getByText(paper.authors[0] ?? "")).toBeVisible();
    await expect(card.getByRole("link", { name: "Abstract" })).toHaveAttribute("href", paper.abs_url);
  }
  await expect(page).toHaveTitle("Papers on RAG · AI Platform Portfolio");
});

test("a paper page, then “Ask about this paper” answers with a citation", async () => {
  await page.getByRole("link", { name: ASKED.title }).click();
  await expect(page).toHaveURL(new RegExp(`/papers/${ASKED.arxiv_id.replace(".", "\\.")}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(ASKED.title);
  await shown();
  await expect(page.getByRole("region", { name: "Abstract" })).toContainText("citation-aware decoding");
  await expect(page.getByRole("list", { name: "Topics" })).toContainText("RAG");
  await page.getByText("Why this score").click();
  await expect(page.getByText("Match with the owner's interests")).toBeVisible();

  await page.getByRole("link", { name: "Ask about this paper" }).click();
  await expect(page).toHaveURL(new RegExp(`/chat\\?paper=${ASKED.arxiv_id.replace(".", "\\.")}$`));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ask the assistant");
  await page.getByLabel("Your question").fill("What does this paper propose?");
  await page.getByRole("button", { name: "Send" }).click();

  // The PDF was never ingested, so core answers from the paper's stored abstract (extractive mode).
  const log = page.getByRole("log", { name: "Conversation" });
  const answer = log.locator(".chat-assistant").first();
  await expect(answer).toBeVisible({ timeout: 60_000 });
  await expect(answer.getByText("Extractive answer")).toBeVisible();
  await expect(answer.locator(".chat-text")).toContainText("citation-aware decoding");
  await expect(answer.getByRole("link", { name: "source 1" }).first()).toBeVisible();
  const source = answer.getByRole("list", { name: "Sources" }).getByRole("link", { name: ASKED.title });
  await expect(source).toHaveAttribute("href", ASKED.abs_url);
});

test("an old-style arXiv id has its own page", async () => {
  const old = fixturePaper("hep-th/9901001");
  await page.goto(`/papers/${old.arxiv_id}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(old.title);
  await shown();
  await expect(page.getByText(`arXiv ${old.arxiv_id}`)).toBeVisible();
});

test("unknown paths and unknown papers show the 404 page", async () => {
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await expect(page).toHaveTitle(/Page not found/);
  await page.goto("/papers/2601.99999");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await expect(page.getByText("There is no such paper.")).toBeVisible();
  await page.getByRole("link", { name: "Back to the home page" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Vasu Kapoor");
});

test("the theme toggle switches the theme and remembers the choice", async () => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/papers");
  const html = page.locator("html");
  await expect(html).toHaveAttribute("data-theme", "light");
  await page.getByRole("button", { name: "Switch to dark theme" }).click();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", "dark");
  await page.getByRole("button", { name: "Switch to light theme" }).click();
  await expect(html).toHaveAttribute("data-theme", "light");
});
