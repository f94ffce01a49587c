import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { paperPath } from "../api/core";
import type { ApiError } from "../api/errors";
import { ChatMessage } from "../components/ChatMessage";
import { describeError } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { useChat } from "../hooks/useChat";
import { usePageMeta } from "../hooks/usePageMeta";
import { MAX_MESSAGE_CHARS } from "../limits";

/** What a visitor can do about each failure of core's chatbot endpoint. */
export function chatErrorText(error: ApiError): string {
  switch (error.status) {
    case 429:
      return `You have asked many questions in a short time. ${error.message} Please wait a minute and ask again.`;
    case 422:
      return `That question could not be sent: ${error.message}`;
    case 404:
      return `${error.message} Ask without the paper, or pick another one.`;
    case 503:
      return `The assistant is unavailable right now (${error.message}). Please try again in a few minutes.`;
    default:
      return describeError(error, "chat");
  }
}

export default function Chat() {
  const [params, setParams] = useSearchParams();
  const paperId = params.get("paper");
  const chat = useChat(paperId);
  const [message, setMessage] = useState("");
  usePageMeta({
    title: paperId ? `Ask about paper ${paperId}` : "Ask the assistant",
    description: "Ask about the owner's projects and the AI papers; every answer cites its sources.",
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!message.trim()) return;
    chat.ask(message);
    setMessage("");
  }

  return (
    <section className="chat" aria-labelledby="chat-heading">
      <h1 id="chat-heading">Ask the assistant</h1>
      {paperId ? (
        <p className="chat-context">
          Asking about paper <Link to={`/papers/${paperPath(paperId)}`}>{paperId}</Link>.{" "}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              chat.reset();
              setParams({});
            }}
          >
            Ask about everything instead
          </button>
        </p>
      ) : (
        <p className="lead">
          Answers come from the owner's projects and the papers on this site, with a citation for every claim.
        </p>
      )}

      <div role="log" aria-label="Conversation" aria-live="polite">
        <ol className="chat-log">
          {chat.turns.map((turn) => (
            <ChatMessage key={turn.id} turn={turn} />
          ))}
        </ol>
      </div>
      {chat.turns.length === 0 && !chat.isPending && (
        <p className="muted">
          {paperId ? "For example: What problem does this paper solve?" : "For example: What projects use RAG?"}
        </p>
      )}
      {chat.isPending && <Loading label="The assistant is looking through the sources…" />}
      {chat.error && (
        <div className="error-message" role="alert">
          <p>{chatErrorText(chat.error)}</p>
        </div>
      )}

      <form className="chat-form" onSubmit={submit} aria-label="Ask a question">
        <label htmlFor="chat-message">Your question</label>
        <textarea
          id="chat-message"
          rows={3}
          maxLength={MAX_MESSAGE_CHARS}
          value={message}
          onChange={(event) => setMessage(event.target.value)}
          onKeyDown={(event) => {
            // Enter sends, Shift+Enter adds a line, as in most chat boxes.
            if (event.key === "Enter" && !event.shiftKey) {
              event.preventDefault();
              event.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <div className="field-actions">
          <button type="submit" disabled={chat.isPending || !message.trim()}>
            Send
          </button>
          {chat.turns.length > 0 && (
            <button type="button" className="secondary" onClick={chat.reset}>
              New conversation
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
