import { useEffect } from "react";
import { SITE_DESCRIPTION, SITE_NAME } from "../site";

export interface PageMeta {
  /** The page's own title; the site name is appended. */
  title?: string;
  description?: string;
  /** An absolute image URL for link previews. */
  image?: string | null;
  /** Open Graph type: website for lists, article for a paper or a project. */
  type?: "website" | "article" | "profile";
}

function setMeta(attribute: "name" | "property", key: string, content: string | null): void {
  let element = document.head.querySelector<HTMLMetaElement>(`meta[${attribute}="${key}"]`);
  if (content === null) {
    element?.remove();
    return;
  }
  if (!element) {
    element = document.createElement("meta");
    element.setAttribute(attribute, key);
    document.head.appendChild(element);
  }
  element.setAttribute("content", content);
}

export function fullTitle(title?: string): string {
  return title ? `${title} · ${SITE_NAME}` : SITE_NAME;
}

/**
 * Per-route <title>, description and Open Graph / Twitter card tags. Link previews of crawlers that
 * run JavaScript and the browser's own title both read these; index.html holds the defaults.
 */
export function usePageMeta({ title, description, image, type = "website" }: PageMeta): void {
  useEffect(() => {
    const heading = fullTitle(title);
    const text = description?.trim() ? truncate(description.trim(), 200) : SITE_DESCRIPTION;
    document.title = heading;
    setMeta("name", "description", text);
    setMeta("property", "og:title", heading);
    setMeta("property", "og:description", text);
    setMeta("property", "og:type", type);
    setMeta("property", "og:url", window.location.href);
    setMeta("property", "og:site_name", SITE_NAME);
    setMeta("property", "og:image", image ?? null);
    setMeta("name", "twitter:card", image ? "summary_large_image" : "summary");
  }, [title, description, image, type]);
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}
