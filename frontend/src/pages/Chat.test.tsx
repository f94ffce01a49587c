import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { chatStorageKey } from "../hooks/useChat";
import { errorResponse, sseEvent, sseResponse, stubApi } from "../test/api";
import { renderRoute } from "../test/render";

const answer = {
  answer: "It uses hybrid retrieval. [1] Attention scales. [2]",
  citations: [
    {
      title: "Grounded RAG assistant",
      url: `${window.location.origin}/projects/rag-bot`,
      source_type: "text",
      page: null,
      snippet: "Hybrid BM25 + dense retrieval.",
      score: 0.8,
    },
    {
      title: "Attention Is All You Need",
      url: "https://arxiv.org/pdf/1706.03762",
      source_type: "pdf",
      page: 3,
      snippet: "Scaled dot-product attention.",
      score: 0.5,
    },
  ],
  mode: "extractive",
  conversation_id: "conv-12345678",
  follow_ups: ["What was Grounded RAG assistant built with?", "Tell me about evalkit"],
};
const starters = {
  starters: [
    { question: "Tell me about Grounded RAG assistant", kind: "project" },
    { question: "What did Vasu do at Lumen Analytics?", kind: "journey" },
  ],
};

/** The answer as core streams it: one `sentence` event per cited sentence, then `done`. */
function streamed(body = answer) {
  return () =>
    sseResponse([
      sseEvent("sentence", { text: "It uses hybrid retrieval. [1]" }),
      sseEvent("sentence", { text: "Attention scales. [2]" }),
      sseEvent("done", body),
    ]);
}

async function ask(text: string) {
  // The page is a lazy chunk: on a busy machine it can take more than the default second.
  const box = await screen.findByRole("textbox", { name: "Your question" }, { timeout: 5000 });
  fireEvent.change(box, { target: { value: text } });
  fireEvent.click(screen.getByRole("button", { name: "Send" }));
}

beforeEach(() => sessionStorage.clear());
afterEach(() => vi.unstubAllGlobals());

describe("Chat", () => {
  it("streams the answer with citations linked to their sources, their snippet on focus", async () => {
    const api = stubApi({ "/api/chatbot/stream/": streamed(), "/api/chatbot/suggestions/": starters });
    renderRoute("/chat");
    await ask("How does the RAG bot retrieve?");

    const log = screen.getByRole("log", { name: "Conversation" });
    expect(within(log).getByText("How does the RAG bot retrieve?")).toBeInTheDocument();
    expect(await within(log).findByText("Extractive answer")).toBeInTheDocument();
    // Each sentence as it arrived, its marker followed by the (hidden) tip of its source.
    expect(within(log).getByText(/It uses hybrid retrieval/)).toHaveTextContent(
      /^It uses hybrid retrieval\. \[1\]Grounded RAG.* Attention scales\. \[2\]Attention Is/,
    );
    const sources = within(log).getByRole("list", { name: "Sources" });
    expect(within(sources).getByRole("link", { name: "Grounded RAG assistant" })).toHaveAttribute(
      "href",
      "/projects/rag-bot",
    );
    expect(sources).toHaveTextContent("(page 3)");
    const marker = within(log).getByRole("link", { name: "source 2" });
    expect(marker).toHaveAttribute("href", "#turn-1-source-2");
    // The marker is described by a tip holding the source's snippet and page.
    expect(marker).toHaveAccessibleDescription("Attention Is All You Need (page 3): Scaled dot-product attention.");

    expect(await api.calls("/api/chatbot/stream/")[0]?.json()).toEqual({ message: "How does the RAG bot retrieve?" });
  });

  it("offers starters, then two follow-ups that ask with the conversation id", async () => {
    const api = stubApi({ "/api/chatbot/stream/": streamed(), "/api/chatbot/suggestions/": starters });
    renderRoute("/chat");

    const offered = await screen.findByRole("list", { name: "Starter questions" });
    fireEvent.click(within(offered).getByRole("button", { name: "Tell me about Grounded RAG assistant" }));
    const followUps = await screen.findByRole("list", { name: "Follow-up questions" });
    expect(screen.queryByRole("list", { name: "Starter questions" })).not.toBeInTheDocument();
    expect(
      within(followUps)
        .getAllByRole("button")
        .map((b) => b.textContent),
    ).toEqual(answer.follow_ups);

    fireEvent.click(within(followUps).getByRole("button", { name: "Tell me about evalkit" }));
    await waitFor(() => expect(api.calls("/api/chatbot/stream/")).toHaveLength(2));
    const bodies = await Promise.all(api.calls("/api/chatbot/stream/").map((r) => r.json()));
    expect(bodies).toEqual([
      { message: "Tell me about Grounded RAG assistant" },
      { message: "Tell me about evalkit", conversation_id: "conv-12345678" },
    ]);
  });

  it("keeps the conversation through a reload (sessionStorage), per paper", async () => {
    const api = stubApi({ "/api/chatbot/stream/": streamed() });
    const first = renderRoute("/chat?paper=hep-th/9901001");
    await ask("What is it about?");
    expect(await screen.findByText("Extractive answer")).toBeInTheDocument();
    first.unmount();
    expect(JSON.parse(sessionStorage.getItem(chatStorageKey("hep-th/9901001")) ?? "{}").conversationId).toBe(
      "conv-12345678",
    );

    renderRoute("/chat?paper=hep-th/9901001");
    expect(await screen.findByText("What is it about?")).toBeInTheDocument();
    expect(screen.getByText(/It uses hybrid retrieval/)).toBeInTheDocument();
    await ask("And then?");
    await waitFor(() => expect(api.calls("/api/chatbot/stream/")).toHaveLength(2));
    expect(await api.calls("/api/chatbot/stream/")[1]?.json()).toEqual({
      message: "And then?",
      conversation_id: "conv-12345678",
      paper_id: "hep-th/9901001",
    });
  });

  it("shows an answer cut off by a reload as stopped", async () => {
    sessionStorage.setItem(
      chatStorageKey(null),
      JSON.stringify({
        conversationId: "conv-12345678",
        turns: [
          { id: 0, role: "user", text: "Q?" },
          { id: 1, role: "assistant", text: "It uses" },
        ],
      }),
    );
    stubApi({});
    renderRoute("/chat");
    expect(await screen.findByText("Stopped before the answer was complete.")).toBeInTheDocument();
    expect(screen.getByText("It uses")).toBeInTheDocument();
  });

  it("copies an answer", async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    stubApi({ "/api/chatbot/stream/": streamed() });
    renderRoute("/chat");
    await ask("Q?");

    fireEvent.click(await screen.findByRole("button", { name: "Copy answer" }));

    await waitFor(() => expect(writeText).toHaveBeenCalledWith(answer.answer));
    expect(await screen.findByText("(copied)")).toBeInTheDocument();
  });

  it.each([
    [429, "rate_limited", "Too many questions; try again shortly.", /asked many questions/],
    [422, "validation_failed", "Ensure this field has no more than 2000 characters.", /could not be sent/],
  ])("shows a %i answered before the stream as a message", async (status, code, message, expected) => {
    stubApi({ "/api/chatbot/stream/": errorResponse(status, code, message) });
    renderRoute("/chat");
    await ask("Hello?");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(expected);
    expect(alert).toHaveTextContent(message);
  });

  it("shows an error event mid-stream with a retry that asks the question again", async () => {
    let calls = 0;
    const api = stubApi({
      "/api/chatbot/stream/": () => {
        calls += 1;
        if (calls > 1) return streamed()();
        return sseResponse([
          sseEvent("sentence", { text: "It uses" }),
          sseEvent("error", {
            error: { code: "llm_unavailable", message: "The model is down.", details: {} },
            status: 503,
          }),
        ]);
      },
    });
    renderRoute("/chat");
    await ask("Which store?");

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(/assistant is unavailable right now \(The model is down\.\)/);
    expect(screen.queryByText("It uses")).not.toBeInTheDocument(); // the partial answer is dropped
    fireEvent.click(within(alert).getByRole("button", { name: "Retry" }));

    expect(await screen.findByText("Extractive answer")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(screen.getAllByText("Which store?")).toHaveLength(1);
    const bodies = await Promise.all(api.calls("/api/chatbot/stream/").map((r) => r.json()));
    expect(bodies).toEqual([{ message: "Which store?" }, { message: "Which store?" }]);
  });

  it("stops an answer mid-stream, keeping what arrived", async () => {
    let hold: (text: string) => void = () => {};
    stubApi({
      "/api/chatbot/stream/": () =>
        sseResponse([
          sseEvent("sentence", { text: "It uses hybrid retrieval. [1]" }),
          new Promise<string>((resolve) => (hold = resolve)),
        ]),
    });
    renderRoute("/chat");
    await ask("Slow question");

    expect(await screen.findByText(/It uses hybrid retrieval/)).toBeInTheDocument();
    expect(screen.getByText("The assistant is looking through the sources…")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
    fireEvent.click(screen.getByRole("button", { name: "Stop" }));

    expect(await screen.findByText("Stopped before the answer was complete.")).toBeInTheDocument();
    hold(sseEvent("done", answer));
    expect(screen.queryByRole("button", { name: "Stop" })).not.toBeInTheDocument();
    expect(screen.queryByText("Extractive answer")).not.toBeInTheDocument();
    expect(screen.getByText(/It uses hybrid retrieval/)).toBeInTheDocument();
  });
});
