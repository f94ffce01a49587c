import type { ReactNode } from "react";
import type { ChatTurn } from "../hooks/useChat";
import { CitationList, citationAnchor } from "./CitationList";
import { ModeBadge } from "./ModeBadge";

/** The answer's [n] markers become links to the n-th source below it. */
export function withCitationLinks(text: string, turnId: number, citationCount: number): ReactNode[] {
  return text.split(/(\[\d+\])/).map((part, index) => {
    const match = /^\[(\d+)\]$/.exec(part);
    const n = match ? Number(match[1]) : 0;
    if (n >= 1 && n <= citationCount) {
      return (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one immutable string
        <a key={index} href={`#${citationAnchor(turnId, n - 1)}`} aria-label={`source ${n}`}>
          [{n}]
        </a>
      );
    }
    return part;
  });
}

export function ChatMessage({ turn }: { turn: ChatTurn }) {
  const citations = turn.citations ?? [];
  return (
    <li className={`chat-turn chat-${turn.role}`}>
      <p className="chat-author">{turn.role === "user" ? "You" : "Assistant"}</p>
      {turn.role === "assistant" && turn.mode && <ModeBadge mode={turn.mode} />}
      <p className="chat-text">
        {turn.role === "assistant" ? withCitationLinks(turn.text, turn.id, citations.length) : turn.text}
      </p>
      {turn.role === "assistant" && <CitationList turnId={turn.id} citations={citations} />}
    </li>
  );
}
