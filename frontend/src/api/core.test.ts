import { describe, expect, it } from "vitest";
import { stubApi } from "../test/api";
import { paper } from "../test/fixtures";
import { config } from "./config";
import { askChatbot, getDashboardToken, getPaper, listPapers, listProjects, paperPath } from "./core";
import { ApiError } from "./errors";
import { queryString } from "./http";

describe("core client", () => {
  it("builds query strings from the defined values only", () => {
    expect(queryString({})).toBe("");
    expect(queryString({ a: 1, b: "", c: undefined, d: null, e: false, f: "x y" })).toBe("?a=1&e=false&f=x+y");
  });

  it("lists papers with core's filter parameters", async () => {
    const api = stubApi({ "/api/papers/": { count: 1, next: null, previous: null, results: [paper()] } });
    const result = await listPapers({ search: "rag", topic: "llm", has_code: true, ordering: "-upvotes", page: 2 });
    expect(result.results[0]?.arxiv_id).toBe("2411.01234");
    const url = new URL(api.requests[0]?.url ?? "");
    expect(url.origin).toBe(config.coreUrl);
    expect(url.search).toBe("?search=rag&topic=llm&has_code=true&ordering=-upvotes&page=2");
  });

  it("keeps the slash of old-style arXiv ids in the path", async () => {
    expect(paperPath("hep-th/9901001")).toBe("hep-th/9901001");
    expect(paperPath("2411.01234")).toBe("2411.01234");
    const api = stubApi({ "/api/papers/math.GT/0309136/": paper({ arxiv_id: "math.GT/0309136" }) });
    await expect(getPaper("math.GT/0309136")).resolves.toMatchObject({ arxiv_id: "math.GT/0309136" });
    expect(api.requests).toHaveLength(1);
  });

  it("asks for featured projects only when told", async () => {
    const api = stubApi({ "/api/projects/": { count: 0, next: null, previous: null, results: [] } });
    await listProjects();
    await listProjects({ featured: true });
    expect(api.requests.map((r) => new URL(r.url).search)).toEqual(["?page_size=200", "?page_size=200&featured=true"]);
  });

  it("posts chat questions as JSON", async () => {
    const api = stubApi({
      "/api/chatbot/": { answer: "Hi [1]", citations: [], mode: "extractive", conversation_id: "c-123456789" },
    });
    await askChatbot({ message: "Hello", paper_id: "2411.01234" });
    const request = api.requests[0] as Request;
    expect(request.method).toBe("POST");
    expect(request.headers.get("Content-Type")).toBe("application/json");
    expect(await request.json()).toEqual({ message: "Hello", paper_id: "2411.01234" });
  });

  it("sends the session cookie for the dashboard token and surfaces core's 401", async () => {
    const api = stubApi({});
    api.fetchMock.mockImplementationOnce(async () =>
      Response.json({ error: { code: "login_required", message: "Log in.", details: {} } }, { status: 401 }),
    );
    const error = await getDashboardToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: "login_required" });
    expect(api.fetchMock.mock.calls[0]?.[1]).toMatchObject({ credentials: "include", cache: "no-store" });
  });
});
