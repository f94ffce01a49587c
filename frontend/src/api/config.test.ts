import { describe, expect, it } from "vitest";
import { DEFAULT_ANALYTICS_URL, DEFAULT_CORE_URL, readConfig } from "./config";

describe("readConfig", () => {
  it("falls back to the local ports when nothing is set", () => {
    expect(readConfig({})).toEqual({
      coreUrl: DEFAULT_CORE_URL,
      analyticsUrl: DEFAULT_ANALYTICS_URL,
      adminUrl: `${DEFAULT_CORE_URL}/admin/`,
    });
    expect(readConfig({ VITE_CORE_URL: "  " }).coreUrl).toBe("http://127.0.0.1:8000");
  });

  it("uses the build-time variables without trailing slashes", () => {
    const config = readConfig({
      VITE_CORE_URL: "https://api.example.org/",
      VITE_ANALYTICS_URL: "https://stats.example.org//",
    });
    expect(config).toEqual({
      coreUrl: "https://api.example.org",
      analyticsUrl: "https://stats.example.org",
      adminUrl: "https://api.example.org/admin/",
    });
    expect(readConfig({ VITE_ADMIN_URL: "https://api.example.org/backstage/" }).adminUrl).toBe(
      "https://api.example.org/backstage/",
    );
  });
});
