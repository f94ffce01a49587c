import { readFile } from "node:fs/promises";
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

test("the owner picks a custom range, filters by a clicked country and downloads a panel as CSV", async ({
  page,
  browser,
}) => {
  // A visit from an ordinary browser, with a campaign, so the panels have rows.
  const visitor = await browser.newContext({ baseURL: stack().frontendUrl, userAgent: SECOND_VISITOR_UA });
  try {
    const visitorPage = await visitor.newPage();
    await visitorPage.goto("/projects?utm_source=e2e&utm_campaign=dashboard");
    await expect(visitorPage.getByRole("heading", { level: 1 })).toHaveText("Projects");
  } finally {
    await visitor.close();
  }

  await logInAsOwner(page);
  await page.goto("/analytics");
  await page.getByRole("button", { name: "30 days" }).click();
  await expect(page).toHaveURL(/[?&]period=30d/);

  const today = new Date().toISOString().slice(0, 10);
  const weekAgo = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel("From", { exact: true }).fill(weekAgo);
  await page.getByLabel("To", { exact: true }).fill(today);
  await page.getByRole("button", { name: "Show range" }).click();
  await expect(page).toHaveURL(new RegExp(`from=${weekAgo}&to=${today}`));
  await expect(page.getByText(new RegExp(`${weekAgo} to ${today} \\(UTC\\), compared with`))).toBeVisible();
  // Each headline figure carries its change (▲/▼ n%, 0% or – without a previous figure).
  await expect(page.locator(".figures dd.change > [aria-hidden]").first()).toHaveText(/^(▲ |▼ )?[\d.,]+%$|^–$/);

  // The visit reaches the summary within the service's cache time: reload until its page is listed.
  const topPages = page.getByRole("table", { name: "Top pages" });
  await expect
    .poll(
      async () => {
        await page.reload();
        await topPages.or(page.getByRole("region", { name: "Top pages" }).getByText("No page views yet.")).waitFor();
        return topPages.getByRole("rowheader", { name: "/projects", exact: true }).count();
      },
      { timeout: 60_000, message: "the visit in Top pages" },
    )
    .toBeGreaterThan(0);

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "CSV of Top pages" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`analytics-pageViews.byPage-${weekAgo}_${today}.csv`);
  const csv = (await readFile((await file.path()) as string, "utf8")).replace(/^\uFEFF/, "");
  expect(csv.split("\r\n")[0]).toBe("Page,Views");
  expect(csv).toMatch(/\r\n\/projects,\d+\r\n/);

  const country = page.getByRole("table", { name: "Countries" }).getByRole("button").first();
  const name = (await country.textContent()) ?? "";
  await country.click();
  await expect(page).toHaveURL(new RegExp(`filter=country%3A${encodeURIComponent(name)}`));
  const remove = page.getByRole("button", { name: `Remove the filter Country: ${name}` });
  await expect(remove).toBeVisible();
  await remove.click();
  await expect(page).not.toHaveURL(/filter=/);
  await expect(page).toHaveURL(new RegExp(`from=${weekAgo}`));
});
