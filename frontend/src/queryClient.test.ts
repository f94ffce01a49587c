import { describe, expect, it } from "vitest";
import { ApiError } from "./api/errors";
import { shouldRetry } from "./queryClient";

describe("shouldRetry", () => {
  it("never retries a 4xx answer", () => {
    expect(shouldRetry(0, new ApiError(404, "not_found", "gone"))).toBe(false);
  });

  it("retries network and server errors a bounded number of times", () => {
    const down = new ApiError(0, "network_error", "down");
    expect(shouldRetry(0, down)).toBe(true);
    expect(shouldRetry(1, new ApiError(503, "service_unavailable", "busy"))).toBe(true);
    expect(shouldRetry(2, down)).toBe(false);
  });
});
