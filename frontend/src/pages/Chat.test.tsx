import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { errorResponse, stubApi } from "../test/api";
import { renderRoute } from "../test/render";

const answer = {
  answer: "It uses hybrid retrieval [1].",
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
};

async function ask(text: string) {
  const box = await screen.findByRole("textbox", { name: "Your question" });
  fireEvent.change(box, { target: { value: text } });
  fireEvent.click(screen.getByRole("button", { name: "Send" }));
}

describe("Chat", () => {
  it("answers with citations linked to their sources and says how the answer was made", async () => {
    const api = stubApi({ "/api/chatbot/": answer });
    renderRoute("/chat");
    await ask("How does the RAG bot retrieve?");

    const log = screen.getByRole("log", { name: "Conversation" });
    expect(within(log).getByText("How does the RAG bot retrieve?")).toBeInTheDocument();
    expect(await within(log).findByText(/It uses hybrid retrieval/)).toBeInTheDocument();
    expect(within(log).getByText("Extractive answer")).toBeInTheDocument();
    const sources = within(log).getByRole("list", { name: "Sources" });
    // Our own page opens in the app; a PDF is an outbound link.
    expect(within(sources).getByRole("link", { name: "Grounded RAG assistant" })).toHaveAttribute(
      "href",
      "/projects/rag-bot",
    );
    expect(within(sources).getByRole("link", { name: /Attention Is All You Need/ })).toHaveAttribute(
      "href",
      "https://arxiv.org/pdf/1706.03762",
    );
    expect(sources).toHaveTextContent("(page 3)");
    expect(within(log).getByRole("link", { name: "source 1" })).toHaveAttribute("href", "#turn-1-source-1");

    const body = await api.calls("/api/chatbot/")[0]?.json();
    expect(body).toEqual({ message: "How does the RAG bot retrieve?" });
  });

  it("keeps the conversation id for follow-ups and sends the paper id from the URL", async () => {
    const api = stubApi({ "/api/chatbot/": { ...answer, mode: "generative" } });
    renderRoute("/chat?paper=hep-th/9901001");
    expect(screen.getByText(/Asking about paper/)).toHaveTextContent("Asking about paper hep-th/9901001");
    await ask("What is it about?");
    expect(await screen.findByText("Generative answer")).toBeInTheDocument();
    await ask("And then?");
    await waitFor(() => expect(api.calls("/api/chatbot/")).toHaveLength(2));
    const bodies = await Promise.all(api.calls("/api/chatbot/").map((r) => r.json()));
    expect(bodies[0]).toEqual({ message: "What is it about?", paper_id: "hep-th/9901001" });
    expect(bodies[1]).toEqual({ message: "And then?", conversation_id: "conv-12345678", paper_id: "hep-th/9901001" });
  });

  it.each([
    [429, "rate_limited", "Too many questions; try again shortly.", /asked many questions/],
    [503, "llm_unavailable", "The language model is down.", /assistant is unavailable right now/],
    [422, "validation_failed", "Ensure this field has no more than 2000 characters.", /could not be sent/],
  ])("shows a %i answer as a message", async (status, code, message, expected) => {
    stubApi({ "/api/chatbot/": errorResponse(status, code, message) });
    renderRoute("/chat");
    await ask("Hello?");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(expected);
    expect(alert).toHaveTextContent(message);
  });

  it("shows that the assistant is working while it answers", async () => {
    let release: (value: Response) => void = () => {};
    stubApi({ "/api/chatbot/": () => new Promise<Response>((resolve) => (release = resolve)) });
    renderRoute("/chat");
    await ask("Slow question");
    expect(await screen.findByText("The assistant is looking through the sources…")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Send" })).toBeDisabled();
    release(new Response(JSON.stringify(answer), { headers: { "Content-Type": "application/json" } }));
    expect(await screen.findByText(/It uses hybrid retrieval/)).toBeInTheDocument();
  });
});
