import { type FormEvent, useEffect, useState } from "react";
import type { PaperOrdering } from "../api/core";
import { EMPTY_FILTERS, type PaperFilters } from "../hooks/usePapers";

interface PaperFiltersFormProps {
  filters: PaperFilters;
  onChange: (filters: PaperFilters) => void;
}

const ORDERING_OPTIONS: { value: PaperOrdering | ""; label: string }[] = [
  { value: "", label: "Best match" },
  { value: "-relevance", label: "Relevance" },
  { value: "-published", label: "Newest" },
  { value: "-upvotes", label: "Most upvoted" },
];

/**
 * Search text applies on submit (one search, not one per keystroke); the select and the checkbox
 * apply at once. Topics, tags and sources are chips with counts (FacetChips), days a DayControl.
 */
export function PaperFiltersForm({ filters, onChange }: PaperFiltersFormProps) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters]);

  function submit(event: FormEvent) {
    event.preventDefault();
    onChange(draft);
  }

  function applyNow(patch: Partial<PaperFilters>) {
    const next = { ...draft, ...patch };
    setDraft(next);
    onChange(next);
  }

  return (
    <search aria-label="Search and filter papers">
      <form className="filters" onSubmit={submit}>
        <div className="field field-search">
          <label htmlFor="paper-search">Search papers</label>
          <input
            id="paper-search"
            type="search"
            value={draft.search}
            placeholder="e.g. retrieval augmented generation"
            onChange={(event) => setDraft({ ...draft, search: event.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="paper-ordering">Sort by</label>
          <select
            id="paper-ordering"
            value={draft.ordering}
            onChange={(event) => applyNow({ ordering: event.target.value as PaperOrdering | "" })}
          >
            {ORDERING_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-check">
          <input
            id="paper-has-code"
            type="checkbox"
            checked={draft.hasCode}
            onChange={(event) => applyNow({ hasCode: event.target.checked })}
          />
          <label htmlFor="paper-has-code">Only papers with code</label>
        </div>
        <div className="field-actions">
          <button type="submit">Search</button>
          <button type="button" className="secondary" onClick={() => applyNow(EMPTY_FILTERS)}>
            Clear filters
          </button>
        </div>
      </form>
    </search>
  );
}
