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
