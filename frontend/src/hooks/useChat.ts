import { useCallback, useEffect, useRef, useState } from "react";
import { type ChatStreamEvent, streamChat } from "../api/chatStream";
import type { ChatResponse, Citation } from "../api/core";
import { ApiError } from "../api/errors";

export interface ChatTurn {
  id: number;
  role: "user" | "assistant";
  text: string;
  citations?: Citation[];
  mode?: ChatResponse["mode"];
  followUps?: string[];
  /** The visitor stopped this answer before it was complete. */
  stopped?: boolean;
}

interface StoredChat {
  turns: ChatTurn[];
  conversationId: string | null;
}

/** sessionStorage key of the conversation (one per paper, one for everything). */
export function chatStorageKey(paperId: string | null): string {
  return `portfolio.chat.${paperId ?? "all"}`;
}

function load(key: string): StoredChat {
  try {
    const stored = JSON.parse(sessionStorage.getItem(key) ?? "null") as StoredChat | null;
    if (stored && Array.isArray(stored.turns)) {
      // An answer still arriving when the page went away is as far as it got: stopped.
      const turns = stored.turns.map((turn) =>
        turn.role === "assistant" && !turn.mode && !turn.stopped ? { ...turn, stopped: true } : turn,
      );
      return { turns, conversationId: stored.conversationId };
    }
  } catch {
    // A corrupt or unavailable storage starts a new conversation.
  }
  return { turns: [], conversationId: null };
}

function save(key: string, chat: StoredChat): void {
  try {
    if (chat.turns.length) sessionStorage.setItem(key, JSON.stringify(chat));
    else sessionStorage.removeItem(key);
  } catch {
    // Private mode or a full storage: the conversation just does not survive a reload.
  }
}

// By name: the abort reason may be a DOMException of another realm (a test environment's).
function isAbort(error: unknown): boolean {
  return error instanceof Error || error instanceof DOMException ? error.name === "AbortError" : false;
}

/**
 * A conversation with core's chatbot, read as a stream: the answer grows sentence by sentence
 * (extractive) or token by token (generative), `stop` aborts it, `retry` asks the failed question
 * again. The conversation id the first answer returns is sent with every follow-up; the turns and
 * the id are kept in sessionStorage, so the conversation survives a reload.
 */
export function useChat(paperId: string | null) {
  const key = chatStorageKey(paperId);
  const [chat, setChat] = useState<StoredChat>(() => load(key));
  const [loadedKey, setLoadedKey] = useState(key);
  if (loadedKey !== key) {
    // Another paper (or none): its own stored conversation.
    setLoadedKey(key);
    setChat(load(key));
  }
  const [isPending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [failedQuestion, setFailedQuestion] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);
  const latest = useRef(chat);
  latest.current = chat;

  useEffect(() => {
    if (loadedKey === key) save(key, chat);
  }, [key, loadedKey, chat]);
  useEffect(() => () => controller.current?.abort(), []);

  const send = useCallback(
    async (text: string, withUserTurn: boolean) => {
      const abort = new AbortController();
      controller.current = abort;
      setPending(true);
      setError(null);
      setFailedQuestion(null);
      // A turn's id is its position: only the last turn is ever removed (a failed answer).
      const conversation = latest.current.conversationId;
      const questionId = latest.current.turns.length;
      const answerId = withUserTurn ? questionId + 1 : questionId;
      setChat((current) => ({
        ...current,
        turns: [
          ...current.turns,
          ...(withUserTurn ? [{ id: questionId, role: "user" as const, text }] : []),
          { id: answerId, role: "assistant" as const, text: "" },
        ],
      }));
      const update = (change: (turn: ChatTurn) => ChatTurn) =>
        setChat((current) => ({
          ...current,
          turns: current.turns.map((turn) => (turn.id === answerId ? change(turn) : turn)),
        }));
      const onEvent = (event: ChatStreamEvent) => {
        if (event.event === "sentence") {
          update((turn) => ({ ...turn, text: turn.text ? `${turn.text} ${event.data.text}` : event.data.text }));
        } else if (event.event === "token") {
          update((turn) => ({ ...turn, text: turn.text + event.data.text }));
        }
      };
      try {
        const answer = await streamChat(
          {
            message: text,
            ...(conversation ? { conversation_id: conversation } : {}),
            ...(paperId ? { paper_id: paperId } : {}),
          },
          onEvent,
          abort.signal,
        );
        setChat((current) => ({
          conversationId: answer.conversation_id,
          turns: current.turns.map((turn) =>
            turn.id === answerId
              ? {
                  ...turn,
                  text: answer.answer,
                  citations: answer.citations,
                  mode: answer.mode,
                  followUps: answer.follow_ups,
                }
              : turn,
          ),
        }));
      } catch (caught) {
        if (isAbort(caught)) {
          update((turn) => ({ ...turn, stopped: true }));
        } else {
          // The partial answer goes; the question stays, with a retry.
          setChat((current) => ({ ...current, turns: current.turns.filter((turn) => turn.id !== answerId) }));
          setError(caught instanceof ApiError ? caught : new ApiError(0, "client_error", String(caught)));
          setFailedQuestion(text);
        }
      } finally {
        if (controller.current === abort) controller.current = null;
        setPending(false);
      }
    },
    [paperId],
  );

  const ask = useCallback(
    (message: string) => {
      const text = message.trim();
      if (!text || controller.current) return;
      void send(text, true);
    },
    [send],
  );

  const retry = useCallback(() => {
    if (failedQuestion && !controller.current) void send(failedQuestion, false);
  }, [failedQuestion, send]);

  const stop = useCallback(() => controller.current?.abort(), []);

  const reset = useCallback(() => {
    controller.current?.abort();
    setChat({ turns: [], conversationId: null });
    setError(null);
    setFailedQuestion(null);
  }, []);

  return {
    turns: chat.turns,
    conversationId: chat.conversationId,
    ask,
    retry,
    stop,
    reset,
    isPending,
    error,
    canRetry: failedQuestion !== null,
  };
}
