import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** Screenshots and the walkthrough video (Playwright's outputDir is emptied at the start of each run). */
export const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "test-results",
  "e2e-artifacts",
);
mkdirSync(ARTIFACTS, { recursive: true });

export const THEMES = ["light", "dark"] as const;
export type Theme = (typeof THEMES)[number];

/** The page has finished loading: no loading indicator left and no request failed. */
export async function settled(page: Page): Promise<void> {
  await expect(page.locator(".loading")).toHaveCount(0);
  await expect(page.getByRole("alert")).toHaveCount(0);
}

/** axe-core's serious and critical violations on the page (every rule, WCAG and best practice), as lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => {
      const first = v.nodes[0];
      const why = first ? ` — e.g. ${first.target.join(" ")}: ${first.failureSummary ?? ""}` : "";
      return `${v.impact}: ${v.id} (${v.help}) on ${v.nodes.length} element(s)${why.replace(/\s+/g, " ")}`;
    });
}

export async function screenshot(page: Page, name: string, theme: Theme): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${theme}.png`), fullPage: true });
}
