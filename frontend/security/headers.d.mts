// Types of headers.mjs for vite.config.ts.
export interface BuildUrls {
  readonly coreUrl: string;
  readonly analyticsUrl: string;
}
export function origin(url: string): string;
export function websocketOrigin(url: string): string;
export function buildUrls(env: Record<string, string | undefined>): BuildUrls;
export function contentSecurityPolicy(urls: BuildUrls, options?: { frameAncestors?: boolean }): string;
export function securityHeaders(urls: BuildUrls): Record<string, string>;
export function nginxHeaders(urls: BuildUrls): string;
