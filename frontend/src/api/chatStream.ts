import { config } from "./config";
import type { ChatRequest, ChatResponse } from "./core";
import { ApiError, errorFromResponse } from "./errors";

/** An event's `data` as the OpenAPI description of `POST /api/chatbot/stream/` states it (the
 * schema declares the event itself: its name and its data as a JSON string). */
interface StreamText {
  text: string;
}
interface StreamError {
  error: { code: string; message: string; details?: Record<string, unknown> };
  status: number;
}

/** The events of `POST /api/chatbot/stream/`, their data parsed. */
export type ChatStreamEvent =
  | { event: "sentence" | "token"; data: StreamText }
  | { event: "done"; data: ChatResponse }
  | { event: "error"; data: StreamError };

export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Incremental parser of the server-sent events wire format: feed it text as it arrives, in any
 * pieces; it returns the events completed so far. Comments, `id:` and `retry:` lines are ignored.
 */
export class SseParser {
  private buffer = "";

  push(text: string): SseMessage[] {
    this.buffer += text.replace(/\r\n?/g, "\n");
    const messages: SseMessage[] = [];
    let end = this.buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const message = parseBlock(block);
      if (message) messages.push(message);
      end = this.buffer.indexOf("\n\n");
    }
    return messages;
  }
}

function parseBlock(block: string): SseMessage | null {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { event, data: data.join("\n") } : null;
}

function toEvent(message: SseMessage): ChatStreamEvent | null {
  if (!["sentence", "token", "done", "error"].includes(message.event)) return null;
  try {
    return { event: message.event, data: JSON.parse(message.data) } as ChatStreamEvent;
  } catch {
    throw new ApiError(0, "invalid_response", "The assistant sent an event that is not JSON.");
  }
}

/**
 * Asks core's chatbot and calls `onEvent` for each event as it arrives; resolves with the `done`
 * answer. An `error` event, a failed response (429, 422…) or a stream that ends without `done`
 * rejects with an ApiError; aborting `signal` rejects with the AbortError.
 */
export async function streamChat(
  body: ChatRequest,
  onEvent: (event: ChatStreamEvent) => void,
  signal?: AbortSignal,
): Promise<ChatResponse> {
  let response: Response;
  try {
    response = await fetch(`${config.coreUrl}/api/chatbot/stream/`, {
      method: "POST",
      headers: { Accept: "text/event-stream", "Content-Type": "application/json" },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ApiError(0, "network_error", `The service could not be reached (${reason}).`);
  }
  if (!response.ok) throw await errorFromResponse(response);
  if (!response.body) throw new ApiError(response.status, "invalid_response", "The answer had no body.");

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  // A read waiting on the network ends at once when the visitor stops the answer.
  const cancel = () => reader.cancel().catch(() => {});
  signal?.addEventListener("abort", cancel);
  const stopped = () => signal?.reason ?? new DOMException("The answer was stopped.", "AbortError");
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (signal?.aborted) throw stopped();
      if (done) break;
      for (const message of parser.push(decoder.decode(value, { stream: true }))) {
        const event = toEvent(message);
        if (!event) continue;
        if (signal?.aborted) throw stopped();
        onEvent(event);
        if (event.event === "done") return event.data;
        if (event.event === "error") {
          const { error, status } = event.data;
          const details = (error.details ?? {}) as Record<string, unknown>;
          throw new ApiError(status, String(error.code ?? "server_error"), String(error.message ?? ""), details);
        }
      }
    }
  } catch (cause) {
    if (cause instanceof ApiError || signal?.aborted) throw signal?.aborted ? stopped() : cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ApiError(0, "network_error", `The answer was cut off (${reason}).`);
  } finally {
    // Done, failed or stopped: nothing more is read from this answer.
    signal?.removeEventListener("abort", cancel);
    cancel();
  }
  throw new ApiError(0, "incomplete_answer", "The answer ended before it was complete.");
}
