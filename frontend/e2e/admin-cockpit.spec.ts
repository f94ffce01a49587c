import { expect, test } from "@playwright/test";
import { logInAsOwner } from "./support/owner";
import { screenshot } from "./support/pages";
import { stack } from "./support/stack";

// The owner's scraping cockpit in core's Django admin. The stack's scraper reads a local upstream where
// Hugging Face and Papers with Code have no papers and arXiv is missing (scripts/e2e_stack.py), so a
// scrape ends in seconds as `partial`, with arXiv failed and offered for a re-run.
test("the owner scrapes now, watches the job live, re-runs its failed source and edits keywords", async ({ page }) => {
  const { adminUrl, frontendUrl } = stack();
  await logInAsOwner(page);

  // "View site" is the SPA, and the live dashboard is one click away.
  await expect(page.getByRole("link", { name: "View site" })).toHaveAttribute("href", `${frontendUrl}/`);
  await expect(page.getByRole("link", { name: "Live dashboard" })).toHaveAttribute("href", `${frontendUrl}/analytics`);

  await page.goto(`${adminUrl}scrapes/livescrapejob/`);
  await expect(page.getByRole("heading", { name: "Scrape now" })).toBeVisible();
  await page.getByLabel("Source").selectOption("all");
  await page.getByLabel("Days").fill("2");
  await page.getByRole("button", { name: "Scrape now" }).click();

  // The job's page follows it live (scrapes/live.js): running while arXiv takes its time, then its end
  // with the sources' outcome.
  await expect(page).toHaveURL(/\/scrapes\/livescrapejob\/[0-9a-f-]{36}\/$/);
  const job = page.locator("#scrape-job");
  await expect(job).toHaveAttribute("data-state", "running");
  await expect(job.locator('[data-source="huggingface"] [data-field="state"]')).toHaveText("succeeded");
  await expect(job.locator('[data-source="arxiv"] [data-field="state"]')).toHaveText("running");
  await screenshot(page, "admin-scrape-job-running", "light");
  await expect(job).toHaveAttribute("data-state", "partial", { timeout: 60_000 });
  await expect(job.locator('[data-source="huggingface"] [data-field="state"]')).toHaveText("succeeded");
  await expect(job.locator('[data-source="arxiv"] [data-field="state"]')).toHaveText("failed");
  await screenshot(page, "admin-scrape-job", "light");

  await page.getByRole("button", { name: "Re-run arxiv" }).click();
  await expect(page.getByText(/Re-running arXiv of job/)).toBeVisible();
  await expect(page.locator("#scrape-job")).toHaveAttribute("data-state", "failed", { timeout: 60_000 });

  // The list, read live from the scraper: both jobs, the re-run naming the job it re-runs.
  await page.goto(`${adminUrl}scrapes/livescrapejob/`);
  await expect(page.locator("tr[data-job]")).toHaveCount(2);
  await expect(page.getByText("re-run of")).toBeVisible();
  await screenshot(page, "admin-scrape-jobs", "light");

  await page.goto(`${adminUrl}scrapes/relevancekeyword/add/`);
  await page.getByLabel("Term").fill("retrieval-augmented generation");
  await page.getByLabel("Weight").fill("2.5");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.locator("#result_list")).toContainText("retrieval-augmented generation");
  await screenshot(page, "admin-relevance-keywords", "light");
});

// The outboxes of core, the scraper and the document processor in one page. The stack put one message
// core refuses (its papers are not a list) in the scraper's outbox (scripts/e2e_stack.py): it is shown
// failing with core's answer as its last error, read through the scraper's API, and the owner discards it.
test("the owner sees the three outboxes, a failing message with its last error, and discards it", async ({ page }) => {
  const { adminUrl } = stack();
  await logInAsOwner(page);
  await page.goto(`${adminUrl}outbox/outboxmessage/`);
  for (const sender of ["Core", "Scraper", "Document processor"]) {
    await expect(page.getByRole("heading", { name: new RegExp(`^${sender}: \\d+ pending`) })).toBeVisible();
  }
  const scraper = page.locator("#outbox-scraper");
  const failing = scraper.locator('tr[data-state="failing"]');
  await expect(failing).toHaveCount(1, { timeout: 30_000 });
  await expect(failing).toContainText("/api/internal/papers/bulk/");
  await expect(failing).toContainText("HTTP 4");
  await screenshot(page, "admin-outbox", "light");

  await failing.getByRole("button", { name: "Discard" }).click();
  await expect(page.getByText(/Scraper: message msg_[0-9a-f]+ was discarded\./)).toBeVisible();
  await expect(page.locator('#outbox-scraper tr[data-state="failing"]')).toHaveCount(0);
});

// "Ask the index": the chatbot's own retrieval for a question about a sample project, its passages with
// their scores, pages and sections; then the documents list the owner deletes or reprocesses from.
test("the owner asks the index what the chatbot would read for a question", async ({ page }) => {
  const { adminUrl } = stack();
  await logInAsOwner(page);
  await page.goto(`${adminUrl}documents/document/`);
  await expect(page.locator("#result_list")).toContainText("project:rag-assistant");
  await screenshot(page, "admin-documents", "light");

  await page.getByRole("link", { name: "Ask the index" }).click();
  await page.getByLabel("Question").fill("How does the grounded RAG assistant search its documents?");
  await page.getByRole("button", { name: "Ask" }).click();
  const passages = page.locator("#ask-passages tr.passage");
  await expect(page.locator("#ask-result")).toBeVisible();
  expect(await passages.count()).toBeGreaterThan(0);
  await expect(page.locator('#ask-passages tr[data-document-key="project:rag-assistant"]').first()).toBeVisible();
  await screenshot(page, "admin-ask-the-index", "light");

  // A document's page offers reprocessing and deletion from the index.
  await page.goto(`${adminUrl}documents/document/?q=project%3Arag-assistant`);
  await page
    .locator("#result_list a", { hasText: /^Grounded RAG assistant$|^project:rag-assistant$/ })
    .first()
    .click();
  await expect(page.getByRole("button", { name: "Reprocess" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Delete from the index" })).toBeVisible();
});
