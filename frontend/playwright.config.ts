import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";
import { chromiumProject } from "./e2e/support/chromium";
import { linkBundledFfmpeg } from "./e2e/support/ffmpeg";

const frontendDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(frontendDir, "..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// Workers re-read this file; what the main process chose reaches them through the environment.
process.env.E2E_PORT ??= String(await freePort());
const port = Number(process.env.E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;
// The launcher writes the stack's URLs and the owner's credentials here once everything is seeded.
process.env.E2E_STACK_FILE ??= path.join(tmpdir(), `portfolio-e2e-stack-${port}.json`);
linkBundledFfmpeg(path.join(frontendDir, "node_modules", ".cache", "playwright-ffmpeg"));

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./test-results",
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // One stack, one visitor at a time: the dashboard test counts active visitors.
  workers: 1,
  reporter: "list",
  // The stack shares a 2-core machine with a Celery worker indexing the sample content.
  timeout: 120_000,
  expect: { timeout: 20_000 },
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [chromiumProject],
  // The whole stack, started once per run by scripts/e2e_stack.py: every service on free ports with
  // throwaway databases, seeded, and the production build (made for those URLs) served by vite preview on
  // `port`. Playwright waits for that URL, and on exit sends SIGTERM so the launcher stops exactly what it
  // started and drops its databases.
  webServer: {
    command: [
      "env -u PYTHONDONTWRITEBYTECODE uv run --no-sync python -m scripts.e2e_stack",
      `--frontend-port ${port}`,
      `--state ${JSON.stringify(process.env.E2E_STACK_FILE)}`,
      `--parent-pid ${process.pid}`,
    ].join(" "),
    cwd: repoRoot,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 600_000,
    gracefulShutdown: { signal: "SIGTERM", timeout: 120_000 },
    stdout: "ignore",
    stderr: "pipe",
  },
});
