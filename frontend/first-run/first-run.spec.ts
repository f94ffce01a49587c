import { expect, type Page, test } from "@playwright/test";

// What a newcomer sees after `make run` on a fresh clone, with the sample set it loads: every check
// waits at most until FIRST_RUN_DEADLINE (epoch ms: 90 s after make run printed its URL table).

const deadline = Number(process.env.FIRST_RUN_DEADLINE ?? Date.now() + 90_000);
const coreUrl = process.env.FIRST_RUN_CORE_URL ?? "";
const adminUser = process.env.FIRST_RUN_ADMIN_USER ?? "admin";
const adminPassword = process.env.FIRST_RUN_ADMIN_PASSWORD ?? "admin";
/** A sample paper (papers/fixtures/sample_papers.yaml, the sixth: sample/0701006) and the sample PDF. */
const SAMPLE_PAPER = "Speculative Decoding with a Draft Model That Reads the Cache";
const SAMPLE_PAPER_PATH = "/papers/sample/0701006";
const PDF_TITLE = "Shipping Retrieval Assistants: a Field Handbook (sample)";

/** Time left before the deadline (at least a second, so a late step still reports what it saw). */
function left(): number {
  return Math.max(1_000, deadline - Date.now());
}

test.describe.configure({ mode: "serial" });

test("home shows the owner's content", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Vasu Kapoor", { timeout: left() });
  await expect(page.getByRole("main")).toContainText("AI/ML Engineer", { timeout: left() });
});

test("papers shows at least 50 sample papers with topics, marked as samples", async ({ page }) => {
  await page.goto("/papers");
  await expect(page.getByRole("note")).toContainText("Sample data.", { timeout: left() });
  const cards = page.getByRole("article");
  for (;;) {
    await expect(cards.first()).toBeVisible({ timeout: left() });
    const more = page.getByRole("button", { name: "Load more papers" });
    if ((await cards.count()) >= 50 || !(await more.isVisible())) break;
    const before = await cards.count();
    await more.click();
    await expect.poll(() => cards.count(), { timeout: left() }).toBeGreaterThan(before);
  }
  const withTopics = page.getByRole("article").filter({ has: page.getByRole("list", { name: /^Topics of / }) });
  expect(await withTopics.count()).toBeGreaterThanOrEqual(50);
  // No sample paper links to arXiv.
  expect(await page.locator('a[href*="arxiv.org"]').count()).toBe(0);
});

/** Ask ``question`` until the answer cites ``source`` (the index may still be filling); that answer. */
async function askUntilCited(page: Page, question: string, source: RegExp) {
  for (;;) {
    await page.goto("/chat");
    await page.getByLabel("Your question").fill(question);
    await page.getByRole("button", { name: "Send" }).click();
    const answer = page.getByRole("log", { name: "Conversation" }).locator(".chat-assistant").last();
    // An answer (its mode badge shows at its end), or the assistant saying it is unavailable.
    await expect(answer.locator(".mode-badge").or(page.getByRole("alert"))).toBeVisible({ timeout: left() });
    const sources = answer.getByRole("list", { name: "Sources" });
    if (await sources.filter({ hasText: source }).count()) return sources;
    expect(Date.now(), `no citation of ${source} before the deadline`).toBeLessThan(deadline);
    await page.waitForTimeout(3_000);
  }
}

test("the chat answers about a sample paper and about the sample PDF, with its page", async ({ page }) => {
  const paper = await askUntilCited(page, `What does the paper "${SAMPLE_PAPER}" propose?`, new RegExp(SAMPLE_PAPER));
  await expect(paper.getByRole("link", { name: new RegExp(SAMPLE_PAPER) })).toHaveAttribute("href", SAMPLE_PAPER_PATH);
  const pdf = await askUntilCited(
    page,
    "What recall at 5 does the release gate of the field handbook require?",
    /Field Handbook/,
  );
  await expect(pdf.getByRole("listitem").filter({ hasText: PDF_TITLE }).first()).toContainText(/\(page \d+\)/);
});

test("the dashboard shows a week of (sample) traffic in charts", async ({ page }) => {
  await page.goto(`${coreUrl}/admin/`);
  await page.getByLabel("Username").fill(adminUser);
  await page.getByLabel("Password").fill(adminPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login\//, { timeout: left() });
  await page.goto("/analytics");
  await expect(page.getByRole("note")).toContainText("generated week of visits", { timeout: left() });
  const overTime = page.getByRole("figure", { name: "Page views over time" });
  await expect(overTime.getByRole("img", { name: /line chart/ })).toBeVisible({ timeout: left() });
  await overTime.getByText("Show the numbers").click();
  await expect(overTime.getByRole("table").getByRole("row")).toHaveCount(8, { timeout: left() }); // header + 7 days
  for (const chart of ["Top pages", "Most viewed papers", "Countries"]) {
    await expect(page.getByRole("heading", { name: chart })).toBeVisible({ timeout: left() });
  }
  await expect(page.locator(".chart-canvas svg").first()).toBeVisible({ timeout: left() });
});
