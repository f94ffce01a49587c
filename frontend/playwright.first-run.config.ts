import { defineConfig } from "@playwright/test";
import { chromiumProject } from "./e2e/support/chromium";

// The newcomer's browser step of tests/system/test_make_run.py: `make run` is already up (that test
// started it on free ports) and passes its URLs in FIRST_RUN_* variables; nothing is started here.

export default defineConfig({
  testDir: "./first-run",
  outputDir: process.env.FIRST_RUN_OUTPUT ?? "./test-results/first-run",
  retries: 0,
  workers: 1,
  reporter: "list",
  timeout: 120_000,
  use: {
    baseURL: process.env.FIRST_RUN_FRONTEND_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [chromiumProject],
});
