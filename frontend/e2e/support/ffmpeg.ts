import { accessSync, chmodSync, constants, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

interface BrowsersJson {
  browsers: { name: string; revision: string }[];
}

/**
 * Playwright encodes `recordVideo` with an ffmpeg it normally downloads next to its browsers; nothing
 * is downloaded here, so point it at the ffmpeg binary shipped inside the `@ffmpeg-installer` npm package.
 *
 * Playwright looks for `<PLAYWRIGHT_BROWSERS_PATH>/ffmpeg-<revision>/ffmpeg-linux`; `dir` becomes that
 * path with a symlink to the bundled binary. Browsers are unaffected: Chromium is launched by
 * `executablePath`. Test workers are spawned after the config sets the variable, so they inherit it.
 */
export function linkBundledFfmpeg(dir: string): void {
  if (process.env.PLAYWRIGHT_BROWSERS_PATH) return; // someone provides Playwright's own downloads
  // The playwright-core that @playwright/test runs (browsers.json itself is not in its exports).
  const fromRunner = createRequire(require.resolve("playwright/package.json"));
  const core = path.dirname(fromRunner.resolve("playwright-core/package.json"));
  const browsers = JSON.parse(readFileSync(path.join(core, "browsers.json"), "utf8")) as BrowsersJson;
  const revision = browsers.browsers.find((b) => b.name === "ffmpeg")?.revision;
  if (!revision) return;
  const { path: binary } = require("@ffmpeg-installer/ffmpeg") as { path: string };
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    chmodSync(binary, 0o755); // what the package's own postinstall does, when npm skipped install scripts
  }
  const link = path.join(dir, `ffmpeg-${revision}`, "ffmpeg-linux");
  if (!existsSync(link)) {
    mkdirSync(path.dirname(link), { recursive: true });
    rmSync(link, { force: true }); // a dangling link from an older node_modules
    symlinkSync(binary, link);
  }
  process.env.PLAYWRIGHT_BROWSERS_PATH = dir;
}
