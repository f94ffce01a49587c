import { expect, test } from "@playwright/test";
import { logInAsOwner } from "./support/owner";
import { SECOND_VISITOR_UA, stack } from "./support/stack";

test("without a login the dashboard asks the owner to log in", async ({ page }) => {
  await page.goto("/analytics");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Analytics");
  const login = page.getByRole("alert").getByRole("link", { name: "Log in to the admin" });
  await expect(login).toHaveAttribute("href", `${stack().adminUrl}login/`);
  await expect(page.getByTestId("active-visitors")).toHaveCount(0);
});

test("the owner watches the active-visitor count rise when a second visitor opens a page", async ({
  page,
  browser,
}) => {
  // The owner's own browser is headless, so analytics counts it as a bot: it never counts itself.
  await logInAsOwner(page);
  await page.goto("/analytics");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Analytics");
  await expect(page.locator(".live-status")).toHaveText("Live");
  const active = page.getByTestId("active-visitors");
  await expect(active).toHaveText(/^\d+$/);
  const before = Number(await active.textContent());

  // A second visitor: its own context (no shared cookies or storage) and an ordinary desktop browser.
  const visitor = await browser.newContext({ baseURL: stack().frontendUrl, userAgent: SECOND_VISITOR_UA });
  try {
    const visitorPage = await visitor.newPage();
    // A page no other test opens, so the dashboard's "current pages" can only have it from this visitor.
    await visitorPage.goto("/projects/evalkit");
    await expect(visitorPage.getByRole("heading", { level: 1 })).toHaveText("evalkit — reproducible LLM evaluation");

    await expect
      .poll(async () => Number(await active.textContent()), { timeout: 60_000, message: "active visitors" })
      .toBeGreaterThan(before);
    await expect(page.getByRole("list", { name: "Current pages" })).toContainText("/projects/evalkit");
  } finally {
    await visitor.close();
  }
});
