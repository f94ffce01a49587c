import type { ChatResponse } from "../api/core";

const MODE_TEXT: Record<ChatResponse["mode"], { label: string; title: string }> = {
  extractive: {
    label: "Extractive answer",
    title: "Sentences quoted from the sources below, not written by a language model.",
  },
  generative: {
    label: "Generative answer",
    title: "Written by a language model from the sources below; check the citations.",
  },
};

/** Says honestly how an answer was made. */
export function ModeBadge({ mode }: { mode: ChatResponse["mode"] }) {
  const text = MODE_TEXT[mode];
  return (
    <p className={`mode-badge mode-${mode}`}>
      <strong>{text.label}</strong> — {text.title}
    </p>
  );
}
