import { useEffect, useState } from "react";

/** Copies `text` to the clipboard and says so for a moment (politely, to screen readers too). */
export function CopyButton({ text, label = "Copy answer" }: { text: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  }

  return (
    <button type="button" className="secondary small" onClick={copy}>
      {label}
      <span aria-live="polite" className="copy-status">
        {state === "copied" ? " (copied)" : state === "failed" ? " (copy failed)" : ""}
      </span>
    </button>
  );
}
