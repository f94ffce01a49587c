import { expect, test } from "@playwright/test";

test("home page shows the site and the core status; unknown paths show the 404 page", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveTitle("AI Platform Portfolio");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("AI Platform Portfolio");
  await expect(page.locator('meta[name="description"]')).toHaveAttribute("content", /portfolio/i);

  // Whether core runs here or not, the status line must leave its loading state.
  const status = page.getByRole("status");
  await expect(status).toHaveAttribute("data-state", /^(up|down)$/, { timeout: 15_000 });

  // A deep link is served index.html by the preview server and routed client-side.
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
  await expect(page).toHaveTitle(/Page not found/);

  await page.getByRole("link", { name: "Back to the home page" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("AI Platform Portfolio");
});
