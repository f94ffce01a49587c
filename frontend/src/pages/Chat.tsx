import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { paperPath } from "../api/core";
import type { ApiError } from "../api/errors";
import { ChatMessage } from "../components/ChatMessage";
import { describeError } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { SuggestedQuestions } from "../components/SuggestedQuestions";
import { useChat } from "../hooks/useChat";
import { useChatSuggestions } from "../hooks/useChatSuggestions";
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
  const suggestions = useChatSuggestions();
  const [message, setMessage] = useState("");
  const lastAnswer = [...chat.turns].reverse().find((turn) => turn.role === "assistant");
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
            <ChatMessage
              key={turn.id}
              turn={turn}
              streaming={chat.isPending && turn === lastAnswer}
              onAsk={turn === lastAnswer && !chat.isPending ? chat.ask : undefined}
            />
          ))}
        </ol>
      </div>
      {chat.turns.length === 0 &&
        !chat.isPending &&
        (paperId ? (
          <p className="muted">For example: What problem does this paper solve?</p>
        ) : (
          <SuggestedQuestions
            label="Starter questions"
            questions={(suggestions.data?.starters ?? []).map((starter) => starter.question)}
            onAsk={chat.ask}
          />
        ))}
      {chat.isPending && (
        <div className="field-actions">
          <Loading label="The assistant is looking through the sources…" />
          <button type="button" className="secondary" onClick={chat.stop}>
            Stop
          </button>
        </div>
      )}
      {chat.error && (
        <div className="error-message" role="alert">
          <p>{chatErrorText(chat.error)}</p>
          {chat.canRetry && chat.error.status !== 422 && (
            <button type="button" onClick={chat.retry}>
              Retry
            </button>
          )}
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
