import { afterEach, describe, expect, it, vi } from "vitest";
import { sseEvent, sseResponse, stubApi } from "../test/api";
import { type ChatStreamEvent, SseParser, streamChat } from "./chatStream";
import { ApiError } from "./errors";

const done = {
  answer: "It uses Chroma. [1]",
  citations: [],
  mode: "extractive",
  conversation_id: "conv-12345678",
  follow_ups: [],
};

afterEach(() => vi.unstubAllGlobals());

describe("SseParser", () => {
  it("assembles events from pieces cut anywhere, CRLF or LF, and skips comments", () => {
    const parser = new SseParser();
    const wire = ': hello\r\nevent: sentence\r\ndata: {"text":"A."}\r\n\r\nevent: done\ndata: {"a":\ndata: 1}\n\n';
    const seen = [];
    for (const piece of [wire.slice(0, 7), wire.slice(7, 30), wire.slice(30, 61), wire.slice(61)]) {
      seen.push(...parser.push(piece));
    }
    expect(seen).toEqual([
      { event: "sentence", data: '{"text":"A."}' },
      { event: "done", data: '{"a":\n1}' },
    ]);
    expect(parser.push("event: sentence\ndata: {}")).toEqual([]); // incomplete until the blank line
  });
});

describe("streamChat", () => {
  it("reports each event as it arrives and resolves with the done answer", async () => {
    const api = stubApi({
      "/api/chatbot/stream/": () =>
        sseResponse([
          sseEvent("sentence", { text: "It uses Chroma. [1]" }).slice(0, 12),
          sseEvent("sentence", { text: "It uses Chroma. [1]" }).slice(12),
          sseEvent("done", done),
        ]),
    });
    const events: ChatStreamEvent[] = [];

    const answer = await streamChat({ message: "Which store?" }, (event) => events.push(event));

    expect(answer).toEqual(done);
    expect(events.map((event) => event.event)).toEqual(["sentence", "done"]);
    const [request] = api.calls("/api/chatbot/stream/");
    expect(request?.method).toBe("POST");
    expect(request?.headers.get("Accept")).toBe("text/event-stream");
    expect(await request?.json()).toEqual({ message: "Which store?" });
  });

  it("rejects with the error event's envelope and status", async () => {
    const envelope = { error: { code: "upstream_timeout", message: "Too slow.", details: {} }, status: 503 };
    stubApi({
      "/api/chatbot/stream/": () =>
        sseResponse([sseEvent("sentence", { text: "A. [1]" }), sseEvent("error", envelope)]),
    });

    const failure = streamChat({ message: "Q?" }, () => {});

    await expect(failure).rejects.toEqual(new ApiError(503, "upstream_timeout", "Too slow."));
    await expect(failure).rejects.toMatchObject({ status: 503, code: "upstream_timeout" });
  });

  it("rejects when the stream ends without done", async () => {
    stubApi({ "/api/chatbot/stream/": () => sseResponse([sseEvent("sentence", { text: "A." })]) });

    await expect(streamChat({ message: "Q?" }, () => {})).rejects.toMatchObject({ code: "incomplete_answer" });
  });

  it("stops reading when aborted mid-stream", async () => {
    let hold: (text: string) => void = () => {};
    stubApi({
      "/api/chatbot/stream/": () =>
        sseResponse([sseEvent("sentence", { text: "A. [1]" }), new Promise<string>((resolve) => (hold = resolve))]),
    });
    const abort = new AbortController();
    const events: ChatStreamEvent[] = [];

    const pending = streamChat(
      { message: "Q?" },
      (event) => {
        events.push(event);
        abort.abort();
      },
      abort.signal,
    );
    hold(sseEvent("done", done));

    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(events.map((event) => event.event)).toEqual(["sentence"]);
  });
});
