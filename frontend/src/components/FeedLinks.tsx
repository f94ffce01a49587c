import { feedUrl } from "../api/core";

/** "Subscribe": the Atom feed of every topic, and of all papers. */
export function FeedLinks({ topics }: { topics: readonly string[] }) {
  return (
    <details className="feed-links">
      <summary>Subscribe (Atom feeds)</summary>
      <ul aria-label="Atom feeds">
        <li>
          <a href={feedUrl()} type="application/atom+xml">
            All topics
          </a>
        </li>
        {topics.map((topic) => (
          <li key={topic}>
            <a href={feedUrl(topic)} type="application/atom+xml">
              Subscribe to {topic}
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
