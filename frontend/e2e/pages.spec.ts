import { expect, type Page, test } from "@playwright/test";
import { logInAsOwner } from "./support/owner";
import { screenshot, seriousViolations, settled, THEMES } from "./support/pages";
import { DESKTOP_CHROME_UA, fixturePaper } from "./support/stack";

interface SitePage {
  name: string;
  path: string;
  heading: string | RegExp;
  /** Runs once before the page is opened (in a fresh context). */
  before?: (page: Page) => Promise<void>;
  /** Brings the page to the state worth a screenshot after it has loaded. */
  after?: (page: Page) => Promise<void>;
}

const ASKED = fixturePaper("2611.04217");

// An ordinary browser, so analytics counts these visits and the dashboard's screenshot shows them.
test.use({ userAgent: DESKTOP_CHROME_UA });

async function askAboutThePaper(page: Page): Promise<void> {
  // The conversation survives a reload (sessionStorage): start a new one, so one answer shows.
  const fresh = page.getByRole("button", { name: "New conversation" });
  if (await fresh.isVisible()) await fresh.click();
  await page.getByLabel("Your question").fill("How much does citation precision improve?");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("list", { name: "Sources" })).toBeVisible({ timeout: 60_000 });
}

// Every route of the SPA, with the sample content and the fixture papers.
const PAGES: SitePage[] = [
  { name: "home", path: "/", heading: "Vasu Kapoor" },
  { name: "projects", path: "/projects", heading: "Projects" },
  { name: "project", path: "/projects/rag-assistant", heading: "Grounded RAG assistant" },
  { name: "papers", path: "/papers", heading: "AI papers" },
  { name: "papers-filtered", path: "/papers?topic=RAG&search=retrieval", heading: "AI papers" },
  { name: "paper", path: `/papers/${ASKED.arxiv_id}`, heading: ASKED.title },
  { name: "papers-saved", path: "/papers/saved", heading: "Saved papers" },
  { name: "paper-old-style-id", path: "/papers/hep-th/9901001", heading: fixturePaper("hep-th/9901001").title },
  { name: "chat", path: "/chat", heading: "Ask the assistant" },
  {
    name: "chat-paper-answer",
    path: `/chat?paper=${ASKED.arxiv_id}`,
    heading: "Ask the assistant",
    after: askAboutThePaper,
  },
  { name: "analytics-owner", path: "/analytics", heading: "Analytics", before: logInAsOwner },
  { name: "not-found", path: "/no/such/page", heading: "Page not found" },
];

for (const sitePage of PAGES) {
  test(`${sitePage.name} (${sitePage.path}): no serious axe violation, both themes, 360 px`, async ({ page }) => {
    await sitePage.before?.(page);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await page.goto(sitePage.path);
      await expect(page.locator("html")).toHaveAttribute("data-theme", theme);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(sitePage.heading);
      await settled(page);
      await sitePage.after?.(page);
      expect(await seriousViolations(page), `axe on ${sitePage.path} in the ${theme} theme`).toEqual([]);
      await screenshot(page, sitePage.name, theme);
    }

    // The narrowest phone the site supports: nothing may need a horizontal scroll.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.reload();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(sitePage.heading);
    await settled(page);
    await sitePage.after?.(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `horizontal overflow of ${sitePage.path} at 360 px`).toBeLessThanOrEqual(0);
    await screenshot(page, `${sitePage.name}-360px`, "dark");
  });
}
