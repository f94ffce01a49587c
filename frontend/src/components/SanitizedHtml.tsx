interface SanitizedHtmlProps {
  /** HTML that core rendered from Markdown and sanitised with nh3's allow-list (no script, no handlers). */
  html: string;
  className?: string;
}

/** Content the owner wrote in Markdown (bio, journey, project READMEs), as core serves it. */
export function SanitizedHtml({ html, className = "prose" }: SanitizedHtmlProps) {
  // biome-ignore lint/security/noDangerouslySetInnerHtml: core sanitises this HTML server-side (nh3) before it is stored
  return <div className={className} dangerouslySetInnerHTML={{ __html: html }} />;
}
