import { expect, test } from "@playwright/test";
import { screenshot, settled } from "./support/pages";
import { fixturePaper } from "./support/stack";

// The fixture papers' texts were indexed through core's outbox and the real worker before the suite
// started (scripts/e2e_stack.py waits for them), so similar papers come from the real Chroma.
const PAPER = fixturePaper("2611.03120");

test("a paper page shows similar papers; saved, the paper is found in the Saved view", async ({ page }) => {
  await page.goto(`/papers/${PAPER.arxiv_id}`);
  await expect(page.getByRole("heading", { level: 1, name: PAPER.title })).toBeVisible();

  const similar = page.getByRole("region", { name: "Similar papers" });
  await expect(similar).toBeVisible();
  const links = similar.getByRole("link");
  await expect(links.first()).toBeVisible();
  expect(await links.count()).toBeGreaterThanOrEqual(3);
  await expect(similar.getByRole("link", { name: PAPER.title, exact: true })).toHaveCount(0); // never itself
  await settled(page);
  await screenshot(page, "paper-similar-papers", "light");

  // A similar paper's link opens its page.
  const neighbourTitle = (await links.first().textContent()) ?? "";
  await links.first().click();
  await expect(page.getByRole("heading", { level: 1, name: neighbourTitle })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole("heading", { level: 1, name: PAPER.title })).toBeVisible();

  await page.getByRole("button", { name: "Save for later" }).click();
  await expect(page.getByRole("button", { name: "Saved" })).toHaveAttribute("aria-pressed", "true");

  await page.goto("/papers");
  await page.getByRole("link", { name: "Saved papers" }).click();
  await expect(page).toHaveURL(/\/papers\/saved$/);
  await expect(page.getByRole("heading", { level: 1, name: "Saved papers" })).toBeVisible();
  const saved = page.getByRole("list", { name: "Saved papers" });
  await expect(saved.getByRole("link", { name: PAPER.title })).toHaveAttribute("href", `/papers/${PAPER.arxiv_id}`);
  await screenshot(page, "papers-saved", "light");

  // Saved in this browser: still there after a reload.
  await page.reload();
  await expect(saved.getByRole("link", { name: PAPER.title })).toBeVisible();
});
