import type { FacetValue, PaperFacets, PaperSource } from "../api/core";
import type { PaperFilters } from "../hooks/usePapers";

export const SOURCE_LABELS: Record<string, string> = {
  arxiv: "arXiv",
  huggingface: "Hugging Face",
  pwc: "Papers with Code",
};

type Kind = "topic" | "tag" | "source";

const GROUPS: { kind: Kind; label: string; values: (facets: PaperFacets) => FacetValue[] }[] = [
  { kind: "topic", label: "Topics", values: (facets) => facets.topics },
  { kind: "tag", label: "Tags", values: (facets) => facets.tags },
  { kind: "source", label: "Sources", values: (facets) => facets.sources },
];

interface FacetChipsProps {
  facets: PaperFacets;
  filters: PaperFilters;
  onChange: (filters: PaperFilters) => void;
}

/**
 * Topic, tag and source filters as toggle chips, each with how many of the listed papers it would
 * keep. A selected value stays listed (with the current count) even when it is not among the most
 * frequent.
 */
export function FacetChips({ facets, filters, onChange }: FacetChipsProps) {
  return (
    <div className="facets">
      {GROUPS.map(({ kind, label, values }) => {
        const selected = filters[kind];
        const shown = values(facets);
        const listed =
          selected && !shown.some((v) => v.value === selected)
            ? [{ value: selected, count: facets.total }, ...shown]
            : shown;
        if (listed.length === 0) return null;
        return (
          <div className="facet-group" key={kind}>
            <span className="facet-label" id={`facet-${kind}`}>
              {label}
            </span>
            <ul className={`chips chips-${kind}`} aria-labelledby={`facet-${kind}`}>
              {listed.map(({ value, count }) => {
                const pressed = value === selected;
                return (
                  <li key={value}>
                    <button
                      type="button"
                      className="chip chip-filter"
                      aria-pressed={pressed}
                      onClick={() => onChange({ ...filters, [kind]: pressed ? "" : (value as string & PaperSource) })}
                    >
                      {kind === "source" ? (SOURCE_LABELS[value] ?? value) : value}{" "}
                      <span className="chip-count">{count}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
      {!facets.exact && <p className="muted facet-note">Counts of {facets.total} of the matching papers.</p>}
    </div>
  );
}
