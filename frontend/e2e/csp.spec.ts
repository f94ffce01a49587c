import { expect, type Page, test } from "@playwright/test";
import { logInAsOwner } from "./support/owner";
import { stack } from "./support/stack";

// The production build carries its Content-Security-Policy (security/headers.mjs, injected by the
// Vite build), so every page here runs under it. Nothing the SPA does may be refused: API calls to
// core and analytics, Socket.IO, core's images, the charts' inline styles.

async function recordViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  await page.exposeFunction("reportCspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { reportCspViolation: (text: string) => void }).reportCspViolation;
      report(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return violations;
}

test("the pages, the charts and the live feed run under the policy without a violation", async ({ page }) => {
  const violations = await recordViolations(page);
  await page.goto("/");
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  expect(policy).toContain(`connect-src 'self' ${new URL(stack().coreUrl).origin}`);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.goto("/papers");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();

  await logInAsOwner(page);
  await page.goto("/analytics");
  await expect(page.locator(".live-status")).toHaveText("Live");
  await expect(page.locator("figure.chart").first()).toBeVisible();
  expect(violations).toEqual([]);
});
