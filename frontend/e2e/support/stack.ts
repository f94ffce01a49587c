import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** What scripts/e2e_stack.py wrote once the stack was up and seeded (see playwright.config.ts). */
export interface Stack {
  frontendUrl: string;
  coreUrl: string;
  analyticsUrl: string;
  /** The Django admin at core's DJANGO_ADMIN_PATH, with a trailing slash. */
  adminUrl: string;
  adminUser: string;
  adminPassword: string;
  papersFile: string;
  /** The stack's DATA_DIR: its service keys are under it (see `serviceToken`). */
  dataDir: string;
}

/** One paper of e2e/fixtures/papers.json (the fields the tests look at). */
export interface FixturePaper {
  arxiv_id: string;
  title: string;
  abstract: string;
  authors: string[];
  topics: string[];
  tags: string[];
  abs_url: string;
  relevance: number;
}

let cached: Stack | undefined;

export function stack(): Stack {
  const file = process.env.E2E_STACK_FILE;
  if (!file) throw new Error("E2E_STACK_FILE is not set: run the suite with `npm run e2e`");
  cached ??= JSON.parse(readFileSync(file, "utf8")) as Stack;
  return cached;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * A 5-minute service token for `target`, as an operator gets one (`make token`: `scripts.service_token`,
 * caller `admin`), signed with this stack's own key: for the internal routes an operator calls.
 */
export async function serviceToken(target: "analytics" | "core" | "scraper" | "documents"): Promise<string> {
  const { stdout } = await promisify(execFile)(
    "uv",
    ["run", "--no-sync", "python", "-m", "scripts.service_token", target, "--as", "admin"],
    { cwd: repoRoot, env: { ...process.env, DATA_DIR: stack().dataDir } },
  );
  const token = stdout.trim();
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new Error(`scripts.service_token printed no token: ${stdout}`);
  return token;
}

export function fixturePapers(): FixturePaper[] {
  return (JSON.parse(readFileSync(stack().papersFile, "utf8")) as { papers: FixturePaper[] }).papers;
}

export function fixturePaper(arxivId: string): FixturePaper {
  const paper = fixturePapers().find((p) => p.arxiv_id === arxivId);
  if (!paper) throw new Error(`no paper ${arxivId} in the fixture`);
  return paper;
}

/** An ordinary desktop Chrome on Windows: analytics counts it as a human visitor (a headless one is a bot). */
export const DESKTOP_CHROME_UA =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/**
 * Another ordinary desktop browser (Chrome on macOS). Analytics is cookieless: a visitor is a hash of
 * address and User-Agent, and every test browses from 127.0.0.1, so only a User-Agent no other test
 * uses makes this a new visitor whatever ran before.
 */
export const SECOND_VISITOR_UA =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
