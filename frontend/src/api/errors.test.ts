import { describe, expect, it } from "vitest";
import { ApiError, errorFromResponse, parseErrorBody } from "./errors";

describe("parseErrorBody", () => {
  it("reads code, message and details from the envelope", () => {
    const body = JSON.stringify({
      error: { code: "validation_failed", message: "The request did not validate.", details: { days: ["too big"] } },
    });
    const error = parseErrorBody(422, body);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toBeInstanceOf(Error);
    expect(error.status).toBe(422);
    expect(error.code).toBe("validation_failed");
    expect(error.message).toBe("The request did not validate.");
    expect(error.details).toEqual({ days: ["too big"] });
  });

  it("defaults details to an empty object when the envelope has none or a non-object", () => {
    expect(parseErrorBody(404, '{"error":{"code":"not_found","message":"No such paper."}}').details).toEqual({});
    expect(parseErrorBody(404, '{"error":{"code":"not_found","message":"x","details":[1]}}').details).toEqual({});
  });

  it("maps a non-JSON body to a status-based code", () => {
    const error = parseErrorBody(502, "<html><body>Bad Gateway</body></html>", "Bad Gateway");
    expect(error.status).toBe(502);
    expect(error.code).toBe("server_error");
    expect(error.message).toBe("HTTP 502 Bad Gateway");
    expect(error.details).toEqual({});
  });

  it("maps an empty or non-envelope JSON body by status", () => {
    expect(parseErrorBody(400, "").code).toBe("client_error");
    expect(parseErrorBody(400, "").message).toBe("HTTP 400");
    expect(parseErrorBody(500, '{"detail":"boom"}').code).toBe("server_error");
    expect(parseErrorBody(500, '{"error":"boom"}').code).toBe("server_error");
    expect(parseErrorBody(500, '{"error":{"code":7,"message":"x"}}').code).toBe("server_error");
  });
});

describe("errorFromResponse", () => {
  it("reads the body of a Response", async () => {
    const response = new Response('{"error":{"code":"rate_limited","message":"Slow down.","details":{}}}', {
      status: 429,
      statusText: "Too Many Requests",
    });
    const error = await errorFromResponse(response);
    expect(error.code).toBe("rate_limited");
    expect(error.status).toBe(429);
  });
});
