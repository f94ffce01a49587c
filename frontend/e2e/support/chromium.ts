import type { Project } from "@playwright/test";

// Browsers are never downloaded: tests drive the system Chromium (Debian's `chromium` package).
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The one browser project of every Playwright config here: headless system Chromium. */
export const chromiumProject: Project = {
  name: "chromium",
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
      ],
    },
  },
};
