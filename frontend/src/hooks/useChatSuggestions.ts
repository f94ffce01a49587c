import { useQuery } from "@tanstack/react-query";
import { type ChatSuggestions, getChatSuggestions } from "../api/core";
import type { ApiError } from "../api/errors";

// Core caches the starters for five minutes: asking again sooner would only get the same answer.
const SUGGESTIONS_STALE_MS = 5 * 60_000;

/** The chat page's starter questions (featured projects, the latest journey entry, a paper). */
export function useChatSuggestions() {
  return useQuery<ChatSuggestions, ApiError>({
    queryKey: ["core", "chatbot", "suggestions"],
    queryFn: ({ signal }) => getChatSuggestions(signal),
    staleTime: SUGGESTIONS_STALE_MS,
  });
}
