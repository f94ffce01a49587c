import type { TechStackItem } from "../api/core";

/** Items grouped by category, in the order core gives (category, then the owner's order). */
export function groupByCategory(items: readonly TechStackItem[]): [string, TechStackItem[]][] {
  const groups = new Map<string, TechStackItem[]>();
  for (const item of items) {
    const category = item.category || "Other";
    const group = groups.get(category);
    if (group) group.push(item);
    else groups.set(category, [item]);
  }
  return [...groups.entries()];
}

export function TechStackList({ items }: { items: readonly TechStackItem[] }) {
  return (
    <div className="tech-stack">
      {groupByCategory(items).map(([category, group]) => (
        <section key={category} aria-labelledby={`stack-${slug(category)}`}>
          <h3 id={`stack-${slug(category)}`}>{category}</h3>
          <ul className="chips">
            {group.map((item) => (
              <li key={item.id} className="chip" title={`Proficiency ${item.proficiency}/100`}>
                {item.name}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
