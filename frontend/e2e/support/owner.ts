import { expect, type Page } from "@playwright/test";
import { stack } from "./stack";

/**
 * Log in as the owner through the Django admin's own login form (at core's DJANGO_ADMIN_PATH), so the
 * browser context holds core's session cookie: the dashboard asks core for its analytics token with it.
 */
export async function logInAsOwner(page: Page): Promise<void> {
  const { adminUrl, adminUser, adminPassword } = stack();
  await page.goto(adminUrl);
  await expect(page).toHaveURL(/\/login\//);
  await page.getByLabel("Username").fill(adminUser);
  await page.getByLabel("Password").fill(adminPassword);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).not.toHaveURL(/\/login\//);
  await expect(
    page.getByRole("link", { name: "Log out" }).or(page.getByRole("button", { name: "Log out" })),
  ).toBeVisible();
  const cookies = await page.context().cookies(new URL(adminUrl).origin);
  expect(cookies.map((c) => c.name)).toContain("sessionid");
}
