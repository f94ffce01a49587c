import { expect, test } from "@playwright/test";
import { screenshot, settled } from "./support/pages";
import { fixturePaper, fixturePapers, stack } from "./support/stack";

// The papers list a reader skims on the real stack: topic chips with core's counts, one UTC day at a
// time, previews that expand in place, and thumbnails that core serves (its proxy of a local fake of
// Hugging Face's image host, scripts/e2e_stack.py), so the browser never contacts a third party.
const WITH_IMAGE = fixturePaper("2611.04217"); // Hugging Face knows it: it has a thumbnail
const DAY_BEFORE = fixturePaper("2611.03988"); // LLM, published 2026-11-19 (UTC)

test("filter by a topic chip, step to the previous day, expand a preview", async ({ page }) => {
  const thirdParty: string[] = [];
  page.on("request", (request) => {
    const origin = new URL(request.url()).origin;
    if (
      ![
        new URL(stack().frontendUrl).origin,
        new URL(stack().coreUrl).origin,
        new URL(stack().analyticsUrl).origin,
      ].includes(origin)
    )
      thirdParty.push(request.url());
  });

  await page.goto("/papers");
  await settled(page);
  const llm = fixturePapers().filter((paper) => paper.topics.includes("LLM"));
  const topics = page.getByRole("list", { name: "Topics", exact: true });
  const chip = topics.getByRole("button", { name: `LLM ${llm.length}`, exact: true });
  await expect(chip).toHaveAttribute("aria-pressed", "false");

  // The thumbnail is an image core serves, loaded for real.
  const image = page.getByRole("article", { name: WITH_IMAGE.title }).locator("img.paper-thumbnail");
  await expect(image).toHaveAttribute("src", `${stack().coreUrl}/api/papers/${WITH_IMAGE.arxiv_id}/thumbnail/`);
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expect(page.locator('head link[rel="alternate"][type="application/atom+xml"]')).toHaveAttribute(
    "href",
    `${stack().coreUrl}/api/papers/feed.xml`,
  );
  await screenshot(page, "papers-chips-and-thumbnails", "light");

  await chip.click();
  await expect(page).toHaveURL(/[?&]topic=LLM(&|$)/);
  await expect(chip).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator(".result-count")).toHaveText(`${llm.length} papers`);
  await expect(page.getByRole("article")).toHaveCount(llm.length);
  await expect(page.getByRole("link", { name: "Subscribe to LLM" }).first()).toHaveAttribute(
    "href",
    `${stack().coreUrl}/api/papers/feed.xml?topic=LLM`,
  );

  await page.getByLabel("Published on").fill("2026-11-20");
  await expect(page).toHaveURL(/day=2026-11-20/);
  await expect(page.getByRole("article")).toHaveCount(1);
  await expect(page.getByRole("article", { name: WITH_IMAGE.title })).toBeVisible();

  await page.getByRole("button", { name: "Previous day" }).click();
  await expect(page).toHaveURL(/day=2026-11-19/);
  await expect(page.locator(".result-count")).toHaveText(/^1 paper published on /);
  const card = page.getByRole("article", { name: DAY_BEFORE.title });
  await expect(card).toBeVisible();
  // The chips count the day's papers now.
  await expect(topics.getByRole("button", { name: "LLM 1", exact: true })).toHaveAttribute("aria-pressed", "true");

  const preview = card.locator(".preview-text");
  const clamped = (await preview.boundingBox())?.height ?? 0;
  const more = card.getByRole("button", { name: /^Show more/ });
  await expect(more).toHaveAttribute("aria-expanded", "false");
  await more.click();
  await expect(card.getByRole("button", { name: /^Show less/ })).toHaveAttribute("aria-expanded", "true");
  await expect(preview).toHaveText(DAY_BEFORE.abstract);
  expect((await preview.boundingBox())?.height ?? 0).toBeGreaterThan(clamped * 1.5);
  await screenshot(page, "papers-expanded-preview", "light");
  expect(thirdParty).toEqual([]);
});
