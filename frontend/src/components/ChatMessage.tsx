import type { ReactNode } from "react";
import type { Citation } from "../api/core";
import type { ChatTurn } from "../hooks/useChat";
import { CitationList } from "./CitationList";
import { CitationMarker } from "./CitationMarker";
import { CopyButton } from "./CopyButton";
import { ModeBadge } from "./ModeBadge";
import { SuggestedQuestions } from "./SuggestedQuestions";

/** The answer's [n] markers become links to the n-th source below it, with its snippet on hover. */
export function withCitationLinks(text: string, turnId: number, citations: readonly Citation[]): ReactNode[] {
  return text.split(/(\[\d+\])/).map((part, index) => {
    const match = /^\[(\d+)\]$/.exec(part);
    const n = match ? Number(match[1]) : 0;
    const citation = citations[n - 1];
    if (citation) {
      // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one immutable string
      return <CitationMarker key={index} n={n} turnId={turnId} citation={citation} />;
    }
    return part;
  });
}

interface ChatMessageProps {
  turn: ChatTurn;
  /** Whether this answer is still arriving. */
  streaming?: boolean;
  /** Asks a follow-up; given for the latest answer only. */
  onAsk?: ((question: string) => void) | undefined;
}

export function ChatMessage({ turn, streaming = false, onAsk }: ChatMessageProps) {
  const citations = turn.citations ?? [];
  const complete = turn.role === "assistant" && !streaming && turn.mode !== undefined;
  return (
    <li className={`chat-turn chat-${turn.role}`} aria-busy={streaming || undefined}>
      <p className="chat-author">{turn.role === "user" ? "You" : "Assistant"}</p>
      {turn.role === "assistant" && turn.mode && <ModeBadge mode={turn.mode} />}
      <p className="chat-text">
        {turn.role === "assistant" ? withCitationLinks(turn.text, turn.id, citations) : turn.text}
      </p>
      {turn.stopped && <p className="muted">Stopped before the answer was complete.</p>}
      {turn.role === "assistant" && <CitationList turnId={turn.id} citations={citations} />}
      {complete && <CopyButton text={turn.text} />}
      {complete && onAsk && (
        <SuggestedQuestions label="Follow-up questions" questions={turn.followUps ?? []} onAsk={onAsk} />
      )}
    </li>
  );
}
