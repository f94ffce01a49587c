import { useEffect } from "react";
import { feedUrl } from "../api/core";

const SELECTOR = 'link[rel="alternate"][type="application/atom+xml"][data-topic]';

/**
 * A `<link rel="alternate" type="application/atom+xml">` in the head for the topic being browsed, so
 * a feed reader pointed at the page finds that topic's feed (index.html carries the all-papers one).
 */
export function useFeedLink(topic: string): void {
  useEffect(() => {
    if (!topic) return;
    const link = document.createElement("link");
    link.rel = "alternate";
    link.type = "application/atom+xml";
    link.title = `Best new AI papers: ${topic}`;
    link.href = feedUrl(topic);
    link.dataset.topic = topic;
    document.head.querySelector(SELECTOR)?.remove();
    document.head.appendChild(link);
    return () => link.remove();
  }, [topic]);
}
