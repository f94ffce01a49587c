// The SPA's security headers, one definition for every way it is served. Plain ESM (no TypeScript)
// so that the Vite build, the Dockerfile and tests/infra/test_frontend_security.py all run it as is.
//
// The Content-Security-Policy is made from the build-time URLs (VITE_CORE_URL, VITE_ANALYTICS_URL):
// the API calls and Socket.IO (ws/wss) may go to core and analytics only, images come from here and
// from core (uploads, proxied thumbnails), and inline styles are allowed because the chart library
// (Recharts) and React's `style` props set them. No inline or foreign script.

const DEFAULT_CORE_URL = "http://127.0.0.1:8000";
const DEFAULT_ANALYTICS_URL = "http://127.0.0.1:8002";

/** `https://api.example.org/x/` -> `https://api.example.org`. */
export function origin(url) {
  return new URL(url).origin;
}

/** The WebSocket origin of an HTTP origin (`https:` -> `wss:`). */
export function websocketOrigin(url) {
  const { protocol, host } = new URL(url);
  return `${protocol === "https:" ? "wss:" : "ws:"}//${host}`;
}

/** The URLs a build is made for, from Vite-style environment variables. */
export function buildUrls(env) {
  const pick = (value, fallback) => (value?.trim() ? value.trim() : fallback);
  return {
    coreUrl: pick(env.VITE_CORE_URL, DEFAULT_CORE_URL),
    analyticsUrl: pick(env.VITE_ANALYTICS_URL, DEFAULT_ANALYTICS_URL),
  };
}

/** The policy's directives; `frameAncestors` only where the policy is a header (a meta tag cannot say it). */
export function contentSecurityPolicy({ coreUrl, analyticsUrl }, { frameAncestors = true } = {}) {
  const core = origin(coreUrl);
  const analytics = origin(analyticsUrl);
  const sockets = [...new Set([websocketOrigin(analyticsUrl), websocketOrigin(coreUrl)])];
  const directives = [
    ["default-src", "'self'"],
    ["script-src", "'self'"],
    ["style-src", "'self'", "'unsafe-inline'"],
    ["img-src", "'self'", "data:", "blob:", core],
    ["font-src", "'self'", "data:"],
    ["connect-src", "'self'", ...new Set([core, analytics]), ...sockets],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", "'self'"],
  ];
  if (frameAncestors) directives.push(["frame-ancestors", "'none'"]);
  return directives.map((d) => d.join(" ")).join("; ");
}

/** Every header the SPA is served with. */
export function securityHeaders(urls) {
  return {
    "Content-Security-Policy": contentSecurityPolicy(urls),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
  };
}

/** nginx `add_header` lines (included in every location: nginx drops inherited headers otherwise). */
export function nginxHeaders(urls) {
  return Object.entries(securityHeaders(urls))
    .map(([name, value]) => `add_header ${name} "${value}" always;`)
    .join("\n")
    .concat("\n");
}

// `node security/headers.mjs nginx`: the nginx snippet for the URLs in the environment.
if (import.meta.url === `file://${process.argv[1]}`) {
  const urls = buildUrls(process.env);
  const mode = process.argv[2];
  if (mode === "nginx") process.stdout.write(nginxHeaders(urls));
  else if (mode === "csp") process.stdout.write(`${contentSecurityPolicy(urls)}\n`);
  else {
    process.stderr.write("usage: node security/headers.mjs nginx|csp\n");
    process.exit(2);
  }
}
