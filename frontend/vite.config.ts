/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig, loadEnv, type Plugin } from "vite";
import { type BuildUrls, buildUrls, contentSecurityPolicy } from "./security/headers.mjs";

// Every production build carries its Content-Security-Policy, made for the URLs it is built for, as a
// meta tag: it holds wherever the files are served (Vercel, nginx, `vite preview` in the e2e tests).
// The servers add the header form too (frame-ancestors, which a meta tag cannot carry).
function contentSecurityPolicyMeta(urls: BuildUrls): Plugin {
  return {
    name: "content-security-policy",
    apply: "build",
    transformIndexHtml: () => [
      {
        tag: "meta",
        attrs: {
          "http-equiv": "Content-Security-Policy",
          content: contentSecurityPolicy(urls, { frameAncestors: false }),
        },
        injectTo: "head",
      },
    ],
  };
}

// The papers' Atom feed (core serves it), in every page's head for feed readers and browsers.
function atomFeedLink(urls: BuildUrls): Plugin {
  return {
    name: "atom-feed-link",
    transformIndexHtml: () => [
      {
        tag: "link",
        attrs: {
          rel: "alternate",
          type: "application/atom+xml",
          title: "Best new AI papers of the week",
          href: `${urls.coreUrl.replace(/\/+$/, "")}/api/papers/feed.xml`,
        },
        injectTo: "head",
      },
    ],
  };
}

export default defineConfig(({ mode }) => ({
  plugins: [
    react(),
    contentSecurityPolicyMeta(buildUrls(loadEnv(mode, process.cwd(), "VITE_"))),
    atomFeedLink(buildUrls(loadEnv(mode, process.cwd(), "VITE_"))),
  ],
  server: { port: 5173, strictPort: true },
  preview: { port: 4173 },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    unstubGlobals: true,
  },
}));
