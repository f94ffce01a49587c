import { useState } from "react";
import type { EventProps } from "../api/analytics";
import { trackClick } from "../tracking/tracker";

interface ShareButtonProps {
  url: string;
  /** What is shared, as analytics counts it (a paper's arXiv id). */
  target: string;
  title: string;
  props?: EventProps;
}

/** The system share sheet where there is one (phones), else copies the link. */
export function ShareButton({ url, target, title, props }: ShareButtonProps) {
  const [message, setMessage] = useState("");

  async function share() {
    trackClick({ target, kind: "share", ...(props ? { props } : {}) });
    if (typeof navigator.share === "function") {
      try {
        await navigator.share({ title, url });
        return;
      } catch (error) {
        // The visitor closed the sheet: nothing to say. Any other failure falls back to copying.
        if (error instanceof DOMException && error.name === "AbortError") return;
      }
    }
    try {
      await navigator.clipboard.writeText(url);
      setMessage("Link copied to the clipboard.");
    } catch {
      setMessage(`Copy this link: ${url}`);
    }
  }

  return (
    <span className="share">
      <button type="button" onClick={share}>
        Share
      </button>
      <span role="status" aria-live="polite" className="share-status">
        {message}
      </span>
    </span>
  );
}
