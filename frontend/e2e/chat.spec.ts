import { expect, type Locator, type Page, test } from "@playwright/test";
import { stack } from "./support/stack";

// The chat page on the real stack (extractive mode, the sample content and fixture papers indexed).

interface SeenEvent {
  name: string;
  at: number;
}

declare global {
  interface Window {
    __chatStreams: SeenEvent[][];
  }
}

/**
 * Records, in the page, every event of each chatbot stream as the page's reader receives it, and
 * when the stream closed ("closed"): the response body is teed, the page reads its own half.
 */
async function recordStreams(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__chatStreams = [];
    const original = window.fetch.bind(window);
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await original(input, init);
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (!url.includes("/api/chatbot/stream/") || !response.body) return response;
      const [mine, theirs] = response.body.tee();
      const seen: SeenEvent[] = [];
      window.__chatStreams.push(seen);
      void (async () => {
        const reader = theirs.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
            const name = /^event: (\w+)/m.exec(buffer.slice(0, end))?.[1] ?? "message";
            seen.push({ name, at: performance.now() });
            buffer = buffer.slice(end + 2);
          }
        }
        seen.push({ name: "closed", at: performance.now() });
      })();
      return new Response(mine, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
  });
}

/** The latest answer, once complete (its mode badge shows at the `done` event). */
async function latestAnswer(page: Page): Promise<Locator> {
  const answer = page.getByRole("log", { name: "Conversation" }).locator(".chat-assistant").last();
  await expect(answer.getByText("Extractive answer")).toBeVisible({ timeout: 60_000 });
  return answer;
}

async function isCited(answer: Locator): Promise<boolean> {
  const text = (await answer.locator(".chat-text").textContent()) ?? "";
  const sources = await answer.getByRole("list", { name: "Sources" }).getByRole("listitem").count();
  return sources > 0 && !text.includes("could not find");
}

test.beforeEach(async ({ page }) => {
  await recordStreams(page);
});

test("a starter question streams its answer, then shows the citation and follow-ups", async ({ page }) => {
  await page.goto(`${stack().frontendUrl}/chat`);
  const starters = page.getByRole("list", { name: "Starter questions" });
  const first = starters.getByRole("button").first();
  const question = (await first.textContent()) ?? "";
  await first.click();

  const answer = await latestAnswer(page);
  await expect.poll(() => page.evaluate(() => window.__chatStreams[0]?.at(-1)?.name)).toBe("closed");
  const events = await page.evaluate(() => window.__chatStreams[0] ?? []);
  const names = events.map((event) => event.name);
  // At least two events reached the page before the stream closed: sentences, then done.
  expect(names.slice(0, -1).length, names.join(",")).toBeGreaterThanOrEqual(2);
  expect(names[0]).toBe("sentence");
  expect(names.at(-2)).toBe("done");

  expect(await page.getByText(question, { exact: true }).count()).toBeGreaterThan(0);
  const marker = answer.getByRole("link", { name: "source 1" }).first();
  await expect(marker).toBeVisible();
  await marker.hover();
  const tip = answer.getByRole("tooltip").first();
  await expect(tip).toBeVisible();
  await expect(answer.getByRole("list", { name: "Sources" }).getByRole("listitem")).not.toHaveCount(0);
  await expect(answer.getByRole("list", { name: "Follow-up questions" }).getByRole("button")).toHaveCount(2);
  await expect(answer.getByRole("button", { name: "Copy answer" })).toBeVisible();

  // The conversation survives a reload.
  await page.reload();
  await expect(page.getByRole("log", { name: "Conversation" }).getByText(question, { exact: true })).toBeVisible();
});

test("every starter and every follow-up shown gets a cited answer", async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto(`${stack().frontendUrl}/chat`);
  const starterButtons = page.getByRole("list", { name: "Starter questions" }).getByRole("button");
  await expect(starterButtons).not.toHaveCount(0);
  const starters = await starterButtons.allTextContents();
  const asked = new Set<string>();
  const declined: string[] = [];
  const queue = [...starters];

  while (queue.length > 0 && asked.size < 20) {
    const question = queue.shift() ?? "";
    if (asked.has(question)) continue;
    asked.add(question);
    // Each question in a conversation of its own: it must stand without the context.
    const fresh = page.getByRole("button", { name: "New conversation" });
    if (await fresh.isVisible()) await fresh.click();
    const offered = page.getByRole("list", { name: "Starter questions" }).getByRole("button", { name: question });
    if (starters.includes(question)) {
      await offered.click();
    } else {
      await page.getByLabel("Your question").fill(question);
      await page.getByRole("button", { name: "Send" }).click();
    }
    const answer = await latestAnswer(page);
    if (!(await isCited(answer))) declined.push(question);
    for (const followUp of await answer
      .getByRole("list", { name: "Follow-up questions" })
      .getByRole("button")
      .allTextContents()) {
      if (!asked.has(followUp)) queue.push(followUp);
    }
  }
  expect(declined, `asked ${[...asked].join(" | ")}`).toEqual([]);
});
