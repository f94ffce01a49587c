// @vitest-environment node
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Rolldown } from "vite";
import { build } from "vite";
import { describe, expect, it } from "vitest";

/** The budget for what a first visit downloads before any route-level chunk. */
const INITIAL_JS_BUDGET_GZ = 200 * 1024;
const ROOT = fileURLToPath(new URL("..", import.meta.url));

type Chunk = Rolldown.OutputChunk;

async function productionChunks(): Promise<Chunk[]> {
  // The real production build (the project's vite.config.ts), kept in memory. Vitest runs with
  // NODE_ENV=test, which would make Vite bundle React's development build: set it as `vite build` does.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({ root: ROOT, mode: "production", logLevel: "silent", build: { write: false } });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  const outputs = Array.isArray(result) ? result : [result];
  return outputs.flatMap((output) =>
    "output" in output ? output.output.filter((item): item is Chunk => item.type === "chunk") : [],
  );
}

/** The entry chunk and everything it imports statically: what loads before the app renders. */
function initialChunks(chunks: Chunk[]): Chunk[] {
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const seen = new Set<string>();
  const queue = chunks.filter((chunk) => chunk.isEntry).map((chunk) => chunk.fileName);
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...(byName.get(name)?.imports ?? []));
  }
  return [...seen].map((name) => byName.get(name)).filter((chunk): chunk is Chunk => chunk !== undefined);
}

describe("production bundle", () => {
  it("keeps the initial JavaScript within 200 KB gzipped, with charts, Socket.IO and chat loaded lazily", async () => {
    const chunks = await productionChunks();
    const initial = initialChunks(chunks);
    expect(initial.length).toBeGreaterThan(0);

    const gzipped = initial.reduce((sum, chunk) => sum + gzipSync(chunk.code).length, 0);
    console.info(`initial JS: ${initial.length} chunks, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThanOrEqual(INITIAL_JS_BUDGET_GZ);

    const initialModules = initial.flatMap((chunk) => chunk.moduleIds);
    for (const lazy of [
      "/node_modules/recharts/",
      "/node_modules/socket.io-client/",
      "/src/pages/Chat.tsx",
      "/src/pages/Analytics.tsx",
    ]) {
      expect(initialModules.filter((id) => id.includes(lazy))).toEqual([]);
      // ... and it is in the build at all, in a chunk of its own loaded on demand.
      expect(chunks.some((chunk) => chunk.moduleIds.some((id) => id.includes(lazy)))).toBe(true);
    }
  }, 180_000);
});
