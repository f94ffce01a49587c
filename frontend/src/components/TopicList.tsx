import { Link } from "react-router";

interface TopicListProps {
  label: string;
  items: readonly string[];
  /** The papers filter each item links to. */
  filter: "topic" | "tag";
}

/** Topics or tags as links to the papers list filtered by them. */
export function TopicList({ label, items, filter }: TopicListProps) {
  if (items.length === 0) return null;
  return (
    <ul className={`chips chips-${filter}`} aria-label={label}>
      {items.map((item) => (
        <li key={item}>
          <Link className="chip chip-link" to={`/papers?${new URLSearchParams({ [filter]: item })}`}>
            {item}
          </Link>
        </li>
      ))}
    </ul>
  );
}
