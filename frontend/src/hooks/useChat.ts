import { useMutation } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { askChatbot, type ChatResponse, type Citation } from "../api/core";
import type { ApiError } from "../api/errors";

export interface ChatTurn {
  id: number;
  role: "user" | "assistant";
  text: string;
  citations?: Citation[];
  mode?: ChatResponse["mode"];
}

/**
 * A conversation with core's chatbot. The conversation id the first answer returns is sent with
 * every follow-up, so the assistant sees the earlier turns; `paperId` restricts answers to one paper.
 */
export function useChat(paperId: string | null) {
  const [turns, setTurns] = useState<ChatTurn[]>([]);
  const [conversationId, setConversationId] = useState<string | null>(null);

  const mutation = useMutation<ChatResponse, ApiError, string>({
    mutationFn: (message) =>
      askChatbot({
        message,
        ...(conversationId ? { conversation_id: conversationId } : {}),
        ...(paperId ? { paper_id: paperId } : {}),
      }),
    onSuccess: (answer) => {
      setConversationId(answer.conversation_id);
      setTurns((current) => [
        ...current,
        {
          id: current.length,
          role: "assistant",
          text: answer.answer,
          citations: answer.citations,
          mode: answer.mode,
        },
      ]);
    },
  });

  const ask = useCallback(
    (message: string) => {
      const text = message.trim();
      if (!text || mutation.isPending) return;
      setTurns((current) => [...current, { id: current.length, role: "user", text }]);
      mutation.mutate(text);
    },
    [mutation],
  );

  const reset = useCallback(() => {
    setTurns([]);
    setConversationId(null);
    mutation.reset();
  }, [mutation]);

  return { turns, conversationId, ask, reset, isPending: mutation.isPending, error: mutation.error };
}
