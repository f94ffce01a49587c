import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { type Browser, expect, type Page, test } from "@playwright/test";
import { logInAsOwner } from "./support/owner";
import { ARTIFACTS, screenshot, settled, THEMES } from "./support/pages";
import { fixturePaper, SECOND_VISITOR_UA, serviceToken, stack } from "./support/stack";

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

// The owner's dashboard over two visits this file makes, from two countries. The stack's analytics
// trusts one proxy's X-Forwarded-For (scripts/e2e_stack.py), so a visitor's address is set per
// browser context; every other browser of the suite is 127.0.0.1, country "unknown". Addresses are
// well-known public ones the packaged DB-IP database places (as services/analytics' GeoIP test does).
const HOME = { address: "131.111.150.25", country: "GB", userAgent: SECOND_VISITOR_UA };
/** Firefox on an Android phone: a browser, OS and device class no other browser of the suite has. */
const ABROAD = {
  address: "193.0.6.139",
  country: "NL",
  userAgent: "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
};
const HOME_PAPER = fixturePaper("2611.01502"); // MLOps
const ABROAD_PAPER = fixturePaper("2610.04488"); // Computer Vision
const ABROAD_SECOND_PAPER = fixturePaper("2611.00871"); // Multimodal, Computer Vision
const ABROAD_REFERRER = "https://news.example/today";
const ABROAD_CAMPAIGN = { source: "newsletter", medium: "email", campaign: "dashboard-nl" };

/** Every ranked panel of the dashboard, in the order shown: the filter test checks each one. */
const PANELS = [
  "Top pages",
  "Entry pages",
  "Exit pages",
  "Referrers",
  "UTM sources",
  "UTM media",
  "UTM campaigns",
  "Countries",
  "Cities",
  "Browsers",
  "Operating systems",
  "Devices",
  "Most viewed papers",
  "Most shared papers",
  "Trending topics",
  "Trending searches",
  "Top searches",
] as const;
type PanelTitle = (typeof PANELS)[number];
type Rows = string[][];

/**
 * One visitor: a fresh context with its own User-Agent whose requests to analytics carry `address` as
 * the proxy's X-Forwarded-For entry. `steps` browse; the context closes once every event has been answered.
 */
async function visitAs(
  browser: Browser,
  visitor: { address: string; userAgent: string },
  steps: (page: Page) => Promise<void>,
): Promise<void> {
  const context = await browser.newContext({ baseURL: stack().frontendUrl, userAgent: visitor.userAgent });
  // Each event is sent from here with the address added, so its answer is known even when the page
  // that sent it has moved on (a keepalive request outlives its page).
  let pending = 0;
  let sent = 0;
  const refused: string[] = [];
  await context.route(`${stack().analyticsUrl}/events/**`, async (route) => {
    pending += 1;
    sent += 1;
    try {
      const response = await route.fetch({
        headers: { ...route.request().headers(), "x-forwarded-for": visitor.address },
      });
      if (!response.ok()) refused.push(`${route.request().url()}: ${response.status()}`);
      await route.fulfill({ response }).catch(() => undefined); // the page may be gone
    } finally {
      pending -= 1;
    }
  });
  try {
    const page = await context.newPage();
    await steps(page);
    await expect.poll(() => pending, { message: "events still on their way to analytics" }).toBe(0);
  } finally {
    await context.close();
  }
  expect(sent, "events the visitor sent").toBeGreaterThan(0);
  expect(refused, "events analytics refused").toEqual([]);
}

async function openPaper(page: Page, paper: { arxiv_id: string; title: string }, url?: string): Promise<void> {
  await page.goto(url ?? `/papers/${paper.arxiv_id}`, url ? { referer: ABROAD_REFERRER } : {});
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(paper.title);
}

/** A search on the papers page (each full load of a search's results records one search). */
async function searchPapers(page: Page, query: string): Promise<void> {
  await page.goto(`/papers?search=${encodeURIComponent(query)}`);
  await expect(page.locator(".result-count")).toHaveText(new RegExp(`for “${query}”$`));
}

async function share(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Share", exact: true }).click();
  await expect(page.locator(".share-status")).not.toBeEmpty();
}

/** Each panel's rows as the dashboard shows them: label, then the other cells ([] when it has none). */
async function panelRows(page: Page): Promise<Record<string, Rows>> {
  const panels = await page
    .locator("section.panel")
    .evaluateAll((sections) =>
      sections.map((section) => [
        section.querySelector("h3")?.textContent ?? "",
        [...section.querySelectorAll("tbody tr")].map((row) =>
          [...row.querySelectorAll("th, td")].map((cell) => cell.textContent?.trim() ?? ""),
        ),
      ]),
    );
  return Object.fromEntries(panels);
}

/** The headline figures: label -> value. */
async function figures(page: Page): Promise<Record<string, string>> {
  const items = await page
    .locator(".figures-grid > div")
    .evaluateAll((divs) =>
      divs.map((div) => [div.querySelector("dt")?.textContent ?? "", div.querySelector("dd")?.textContent ?? ""]),
    );
  return Object.fromEntries(items);
}

const labels = (rows: Rows | undefined): string[] => (rows ?? []).map((row) => row[0] ?? "");

function isoDay(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/** Reload until `ready` holds: an answer reaches the dashboard within analytics' few seconds of cache. */
async function reloadUntil(page: Page, what: string, ready: () => Promise<boolean>): Promise<void> {
  await expect
    .poll(
      async () => {
        await page.reload();
        await expect(page.getByRole("table", { name: "Top pages" })).toBeVisible();
        await settled(page);
        return ready();
      },
      { timeout: 60_000, intervals: [1_000, 2_000, 3_000], message: what },
    )
    .toBe(true);
}

async function screenshotBothThemes(page: Page, name: string): Promise<void> {
  for (const theme of THEMES) {
    await page.emulateMedia({ colorScheme: theme });
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-theme", theme);
    await expect(page.getByRole("table", { name: "Top pages" })).toBeVisible();
    await expect(page.locator(".recharts-surface").first()).toBeVisible();
    await settled(page);
    await screenshot(page, name, theme);
    const file = path.join(ARTIFACTS, `${name}-${theme}.png`);
    expect(statSync(file).size, file).toBeGreaterThan(10_000);
  }
  await page.emulateMedia({ colorScheme: null });
}

/** Each headline figure's field in the summary's `comparison` (api/analyticsData.ts shows them in this order). */
const COMPARED = {
  "Unique visitors": "uniqueVisitors",
  "Page views": "pageViews",
  Visits: "visits",
  "Bounce rate": "bounceRate",
  "Average visit": "visitDuration",
  "Average time on a page": "averageTimeOnPage",
  Searches: "searches",
  "Search click-through rate": "clickThroughRate",
} as const;
type FigureChange = { current: number; previous: number; change: number | null; difference: number };
type Summary = {
  sample: boolean;
  from: string;
  to: string;
  visits: number;
  pageViews: { total: number; unique: number };
  searches: { total: number };
  comparison: ({ from: string; to: string } & Record<(typeof COMPARED)[keyof typeof COMPARED], FigureChange>) | null;
};

/** The analytics service's sample week (`PUT|DELETE /internal/sample`, as core's load/remove_sample_data call it). */
async function sampleWeek(page: Page, method: "PUT" | "DELETE"): Promise<Record<string, unknown>> {
  const response = await page.request.fetch(`${stack().analyticsUrl}/internal/sample`, {
    method,
    headers: { Authorization: `Bearer ${await serviceToken("analytics")}` },
    timeout: 60_000,
  });
  expect(response.status(), `${method} /internal/sample`).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** `GET /metrics/summary` as the dashboard asks it: with the token core gives the logged-in owner. */
async function summaryFromApi(page: Page, query: Record<string, string>): Promise<Summary> {
  const tokenResponse = await page.request.get(`${stack().coreUrl}/api/analytics/token/`);
  expect(tokenResponse.status(), "core's dashboard token").toBe(200);
  const { token } = (await tokenResponse.json()) as { token: string };
  const response = await page.request.get(`${stack().analyticsUrl}/metrics/summary?${new URLSearchParams(query)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(response.status(), "GET /metrics/summary").toBe(200);
  return (await response.json()) as Summary;
}

/** Each headline figure as shown: its value, and its change's text and screen-reader description. */
async function shownChanges(page: Page): Promise<Record<string, { value: string; text: string; description: string }>> {
  const items = await page.locator(".figures-grid > div").evaluateAll((divs) =>
    divs.map((div) => [
      div.querySelector("dt")?.textContent ?? "",
      {
        value: div.querySelector("dd")?.textContent ?? "",
        text: div.querySelector("dd.change [aria-hidden]")?.textContent ?? "",
        description: div.querySelector("dd.change .visually-hidden")?.textContent ?? "",
      },
    ]),
  );
  return Object.fromEntries(items);
}

const count = (shown: string): number => Number(shown.replace(/[^\d.]/g, ""));

test("with the sample week loaded, a custom range of the last three days shows each figure's change as the API computes it", async ({
  page,
}) => {
  // Events the stack records are stamped with the server's clock, so nothing real lies before today;
  // the analytics service's sample week (its own key prefix, read by the dashboard while loaded and
  // answered `sample: true`) has a week of visits behind it. An operator loads it with a service token.
  await logInAsOwner(page);
  const loaded = await sampleWeek(page, "PUT");
  expect(loaded).toMatchObject({ loaded: true });
  expect(loaded.events).toBeGreaterThan(0);
  try {
    await page.goto("/analytics");
    const from = isoDay(2);
    const to = isoDay(0);
    await page.getByLabel("From", { exact: true }).fill(from);
    await page.getByLabel("To", { exact: true }).fill(to);
    await page.getByRole("button", { name: "Show range" }).click();
    await expect(page).toHaveURL(new RegExp(`from=${from}&to=${to}`));
    // The three days before lie inside the sample week.
    const previous = { from: isoDay(5), to: isoDay(3) };
    await expect(
      page.getByText(`${from} to ${to} (UTC), compared with ${previous.from} to ${previous.to}`),
    ).toBeVisible();
    await expect(page.getByRole("note").filter({ hasText: "Sample data." })).toBeVisible();
    await expect(page.locator(".figures-grid dd.change")).toHaveCount(8);
    await settled(page);

    const api = await summaryFromApi(page, { from, to });
    expect(api).toMatchObject({ sample: true, from, to });
    const comparison = api.comparison;
    if (!comparison) throw new Error("no comparison in the API's answer");
    expect({ from: comparison.from, to: comparison.to }).toEqual(previous);
    // The previous figures are that period's own: the API's answer for those three days.
    const before = await summaryFromApi(page, previous);
    expect(before.sample).toBe(true);
    expect([comparison.visits.previous, comparison.pageViews.previous, comparison.uniqueVisitors.previous]).toEqual([
      before.visits,
      before.pageViews.total,
      before.pageViews.unique,
    ]);
    expect(before.visits, "visits in the previous period").toBeGreaterThan(0);
    expect([comparison.visits.current, comparison.pageViews.current, comparison.searches.current]).toEqual([
      api.visits,
      api.pageViews.total,
      api.searches.total,
    ]);

    const shown = await shownChanges(page);
    expect(Object.keys(shown)).toEqual(Object.keys(COMPARED));
    expect(
      [shown.Visits?.value, shown["Page views"]?.value, shown["Unique visitors"]?.value].map((v) => count(v ?? "")),
    ).toEqual([api.visits, api.pageViews.total, api.pageViews.unique]);
    const real: string[] = [];
    for (const [label, field] of Object.entries(COMPARED)) {
      const expected = comparison[field];
      const figure = shown[label];
      if (!figure) throw new Error(`no figure ${label}`);
      if (expected.change === null) {
        expect(figure.text, label).toBe("–");
        continue;
      }
      // "▲ 14.9%" (one decimal under 10 %, none above), "▼ 3%", or "0%" for no change.
      const match = /^(?:(▲|▼) )?([\d.,]+)%$/.exec(figure.text);
      if (!match) throw new Error(`${label}: "${figure.text}" is not a change`);
      const [, arrow, amount = ""] = match;
      expect(arrow, `${label}'s direction`).toBe(expected.change > 0 ? "▲" : expected.change < 0 ? "▼" : undefined);
      // Rounded to what is shown: within half of its last digit.
      const tolerance = amount.includes(".") ? 0.05 : 0.5;
      const shownPercent = Number(amount.replace(/,/g, ""));
      expect(Math.abs(shownPercent - Math.abs(expected.change) * 100), `${label}: ${figure.text}`).toBeLessThanOrEqual(
        tolerance + 1e-9,
      );
      // "Up 14.9% on the previous period 101." (the previous figure to two decimals)
      const previousShown = /previous period ([\d.,]+)\.$/.exec(figure.description)?.[1];
      expect(previousShown, `${label}: ${figure.description}`).toBeDefined();
      expect(
        Math.abs(count(previousShown ?? "") - expected.previous),
        `${label}: ${figure.description}`,
      ).toBeLessThanOrEqual(0.005 + 1e-9);
      if (arrow) real.push(label);
    }
    // The sample week's visits, page views and visitors differ from one three days to the next.
    expect(real).toEqual(expect.arrayContaining(["Visits", "Page views", "Unique visitors"]));
  } finally {
    const removed = await sampleWeek(page, "DELETE");
    expect(removed).toMatchObject({ loaded: false });
  }
  // Removed: the dashboard answers from the real events again.
  expect((await summaryFromApi(page, { from: isoDay(2), to: isoDay(0) })).sample).toBe(false);
  await page.reload();
  await expect(page.locator(".figures-grid dd.change")).toHaveCount(8);
  await expect(page.getByRole("note").filter({ hasText: "Sample data." })).toHaveCount(0);
});

test.describe
  .serial("the owner's dashboard over two visits from two countries", () => {
    test.beforeAll(async ({ browser }) => {
      // At home (GB): a campaign landing, a paper read twice and shared, a search made twice.
      await visitAs(browser, HOME, async (page) => {
        await page.goto("/projects?utm_source=e2e&utm_medium=cpc&utm_campaign=dashboard");
        await expect(page.getByRole("heading", { level: 1 })).toHaveText("Projects");
        await openPaper(page, HOME_PAPER);
        await share(page);
        await openPaper(page, HOME_PAPER);
        await searchPapers(page, "drift");
        await searchPapers(page, "drift");
      });
      // Abroad (NL), from a newsletter's link: two Computer Vision papers, one shared, a search made twice.
      await visitAs(browser, ABROAD, async (page) => {
        const landing = new URLSearchParams({
          utm_source: ABROAD_CAMPAIGN.source,
          utm_medium: ABROAD_CAMPAIGN.medium,
          utm_campaign: ABROAD_CAMPAIGN.campaign,
        });
        await openPaper(page, ABROAD_PAPER, `/papers/${ABROAD_PAPER.arxiv_id}?${landing}`);
        await share(page);
        await openPaper(page, ABROAD_SECOND_PAPER);
        await searchPapers(page, "dashcam");
        await searchPapers(page, "dashcam");
      });
    });

    test("the owner picks a custom range and sees each figure's change", async ({ page }) => {
      await logInAsOwner(page);
      await page.goto("/analytics");
      await page.getByRole("button", { name: "30 days" }).click();
      await expect(page).toHaveURL(/[?&]period=30d/);

      const today = isoDay(0);
      const weekAgo = isoDay(6);
      await page.getByLabel("From", { exact: true }).fill(weekAgo);
      await page.getByLabel("To", { exact: true }).fill(today);
      await page.getByRole("button", { name: "Show range" }).click();
      await expect(page).toHaveURL(new RegExp(`from=${weekAgo}&to=${today}`));
      // Compared with the seven days before.
      await expect(
        page.getByText(`${weekAgo} to ${today} (UTC), compared with ${isoDay(13)} to ${isoDay(7)}`),
      ).toBeVisible();
      await reloadUntil(
        page,
        "both visits in the range's figures",
        async () => Number((await figures(page)).Visits) >= 2,
      );

      // Every headline figure carries its change. Events are stamped with the server's clock, so a
      // fresh stack has nothing before today: each change is "–" and says the previous figure was 0
      // (the sample-week test above shows changes against a previous period that has visits).
      const shown = await figures(page);
      expect(Object.keys(shown)).toHaveLength(8);
      const changes = page.locator(".figures-grid dd.change");
      await expect(changes).toHaveCount(8);
      for (const change of await changes.all()) {
        await expect(change.locator("[aria-hidden]")).toHaveText(/^(▲ |▼ )?[\d.,]+%$|^–$/);
        await expect(change.locator(".visually-hidden")).toHaveText(/previous period/);
      }
      await expect(page.locator(".figures-grid dd.change-none")).toHaveCount(8);
      await expect(changes.first().locator(".visually-hidden")).toHaveText("Nothing in the previous period (0).");
    });

    test("paper titles; a clicked country filters every panel; a panel's CSV; screenshots in both themes", async ({
      page,
    }) => {
      await logInAsOwner(page);
      await page.goto("/analytics?period=today");
      await reloadUntil(page, "both visits in every panel", async () => {
        const rows = await panelRows(page);
        return (
          ["GB", "NL"].every((country) => labels(rows.Countries).includes(country)) &&
          ["mlops", "computer vision"].every((topic) => labels(rows["Trending topics"]).includes(topic)) &&
          labels(rows["Most shared papers"]).length >= 2
        );
      });
      const before = await panelRows(page);
      expect(Object.keys(before)).toEqual([...PANELS]);

      // Papers by their titles, never by their arXiv ids.
      for (const paper of [HOME_PAPER, ABROAD_PAPER, ABROAD_SECOND_PAPER])
        expect(labels(before["Most viewed papers"])).toContain(paper.title);
      for (const paper of [HOME_PAPER, ABROAD_PAPER])
        expect(labels(before["Most shared papers"])).toContain(paper.title);
      for (const title of [...labels(before["Most viewed papers"]), ...labels(before["Most shared papers"])])
        expect(title).not.toMatch(/^(\d{4}\.\d{4,5}|[a-z-]+\/\d{7})(v\d+)?$/);
      await screenshotBothThemes(page, "dashboard");

      await page
        .getByRole("table", { name: "Countries" })
        .getByRole("button", { name: ABROAD.country, exact: true })
        .click();
      await expect(page).toHaveURL(new RegExp(`filter=country%3A${ABROAD.country}`));
      await expect(page.getByRole("button", { name: `Remove the filter Country: ${ABROAD.country}` })).toBeVisible();

      // Every panel now holds the visit from abroad only: what that browser did, row by row.
      const abroadPage = `/papers/${ABROAD_PAPER.arxiv_id}`;
      const abroadSecondPage = `/papers/${ABROAD_SECOND_PAPER.arxiv_id}`;
      const check = (rows: Rows | undefined) => expect(rows ?? []);
      const expected: [PanelTitle, (rows: Rows | undefined) => void][] = [
        [
          "Top pages",
          (rows) =>
            check(rows).toEqual([
              ["/papers", "2"],
              [abroadPage, "1"],
              [abroadSecondPage, "1"],
            ]),
        ],
        ["Entry pages", (rows) => check(rows).toEqual([[abroadPage, "1"]])],
        ["Exit pages", (rows) => check(rows).toEqual([["/papers", "1"]])],
        ["Referrers", (rows) => check(rows).toEqual([[new URL(ABROAD_REFERRER).hostname, "1"]])],
        ["UTM sources", (rows) => check(rows).toEqual([[ABROAD_CAMPAIGN.source, "1"]])],
        ["UTM media", (rows) => check(rows).toEqual([[ABROAD_CAMPAIGN.medium, "1"]])],
        ["UTM campaigns", (rows) => check(rows).toEqual([[ABROAD_CAMPAIGN.campaign, "1"]])],
        ["Countries", (rows) => check(rows).toEqual([[ABROAD.country, "1"]])],
        // The city is the database's; its country and count are the visit's.
        ["Cities", (rows) => check(rows).toEqual([[expect.stringMatching(/\S/), ABROAD.country, "1"]])],
        ["Browsers", (rows) => check(rows).toEqual([["Firefox Mobile", "1"]])],
        ["Operating systems", (rows) => check(rows).toEqual([["Android", "1"]])],
        ["Devices", (rows) => check(rows).toEqual([["mobile", "1"]])],
        [
          "Most viewed papers",
          (rows) =>
            check(rows).toEqual([
              [ABROAD_PAPER.title, "1"],
              [ABROAD_SECOND_PAPER.title, "1"],
            ]),
        ],
        ["Most shared papers", (rows) => check(rows).toEqual([[ABROAD_PAPER.title, "1"]])],
        // Counted twice (both papers), from nothing before: (2 + 1) / (0 + 1). Analytics keeps topics
        // lower-cased; "multimodal", seen once, is no trend.
        ["Trending topics", (rows) => check(rows).toEqual([["computer vision", "2", "0", "×3"]])],
        ["Trending searches", (rows) => check(rows).toEqual([["dashcam", "2", "0", "×3"]])],
        ["Top searches", (rows) => check(rows).toEqual([["dashcam", "2"]])],
      ];
      expect(expected.map(([title]) => title)).toEqual([...PANELS]);
      const wrongPanels = (rows: Record<string, Rows>): string[] =>
        expected
          .filter(([title, matches]) => {
            try {
              matches(rows[title]);
              return false;
            } catch {
              return true;
            }
          })
          .map(([title]) => title);
      await expect
        .poll(async () => wrongPanels(await panelRows(page)), {
          timeout: 30_000,
          message: "every panel restricted to the visit from abroad",
        })
        .toEqual([]);
      const after = await panelRows(page);
      for (const [title, matches] of expected) {
        matches(after[title]);
        expect(after[title], `${title} changed under the filter`).not.toEqual(before[title]);
      }
      await expect(page.getByText("Not available with this filter")).toHaveCount(0);
      const filteredFigures = await figures(page);
      expect([filteredFigures["Unique visitors"], filteredFigures.Visits, filteredFigures["Page views"]]).toEqual([
        "1",
        "1",
        "4",
      ]);
      expect(filteredFigures.Searches).toBe("2");

      // The CSV of a panel holds exactly its rows.
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "CSV of Top pages" }).click();
      const file = await download;
      expect(file.suggestedFilename()).toBe(`analytics-pageViews.byPage-today.csv`);
      const csv = (await readFile((await file.path()) as string, "utf8")).replace(/^\uFEFF/, "");
      expect(csv.split("\r\n").filter(Boolean)).toEqual([
        "Page,Views",
        ...(after["Top pages"] ?? []).map((row) => row.join(",")),
      ]);

      await screenshotBothThemes(page, "dashboard-filtered");

      await page.getByRole("button", { name: `Remove the filter Country: ${ABROAD.country}` }).click();
      await expect(page).not.toHaveURL(/filter=/);
      await expect(page).toHaveURL(/period=today/);
    });

    test("the owner mints a share link in the admin, a stranger opens it, the owner revokes it", async ({
      page,
      browser,
    }) => {
      const { adminUrl, frontendUrl } = stack();
      await logInAsOwner(page);
      const label = `e2e link ${Date.now()}`;
      await page.goto(`${adminUrl}insights/dashboardsharelink/add/`);
      await page.getByLabel("Label").fill(label);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await expect(page.getByText("Copy it now: it is shown only this once.")).toBeVisible();
      const shareUrl = await page.locator("#share-url").inputValue();
      expect(shareUrl).toMatch(new RegExp(`^${frontendUrl}/analytics\\?share=[\\w-]{20,}$`));

      /** Open the link in a fresh browser: no cookie, no storage, no login. */
      async function openAsStranger(check: (stranger: Page) => Promise<void>): Promise<void> {
        const context = await browser.newContext();
        try {
          const stranger = await context.newPage();
          await stranger.goto(shareUrl);
          await expect(stranger.getByRole("heading", { level: 1 })).toHaveText("Analytics");
          await check(stranger);
          expect(await context.cookies(new URL(adminUrl).origin)).toEqual([]);
        } finally {
          await context.close();
        }
      }

      await openAsStranger(async (stranger) => {
        await expect(stranger.getByText("A shared, read-only view of this site's analytics.")).toBeVisible();
        await expect(stranger.getByRole("table", { name: "Most viewed papers" })).toContainText(ABROAD_PAPER.title);
        await expect(stranger.getByRole("table", { name: "Countries" })).toContainText(ABROAD.country);
        await expect(stranger.getByRole("alert")).toHaveCount(0);
      });

      // Revoked from the list of links, with the admin action.
      await page.goto(`${adminUrl}insights/dashboardsharelink/`);
      await page.getByRole("row", { name: label }).getByRole("checkbox").check();
      await page.locator('select[name="action"]').selectOption({ label: "Revoke the selected share links" });
      await page.getByRole("button", { name: "Go" }).click();
      await expect(page.getByText("1 share link(s) revoked.")).toBeVisible();
      await expect(page.getByRole("row", { name: label })).toContainText("revoked");

      await openAsStranger(async (stranger) => {
        await expect(stranger.getByRole("alert")).toContainText(
          "This share link has been revoked by the site's owner.",
        );
        await expect(stranger.getByRole("table")).toHaveCount(0);
        await expect(stranger.getByTestId("active-visitors")).toHaveCount(0);
      });
    });
  });
