import { type FormEvent, useEffect, useState } from "react";
import type { PaperOrdering, PaperSource } from "../api/core";
import { EMPTY_FILTERS, type PaperFilters } from "../hooks/usePapers";

interface PaperFiltersFormProps {
  filters: PaperFilters;
  onChange: (filters: PaperFilters) => void;
  /** Topics and tags seen in the results so far, offered as suggestions. */
  topics: readonly string[];
  tags: readonly string[];
}

const SOURCE_OPTIONS: { value: PaperSource | ""; label: string }[] = [
  { value: "", label: "All sources" },
  { value: "arxiv", label: "arXiv" },
  { value: "huggingface", label: "Hugging Face" },
  { value: "pwc", label: "Papers with Code" },
];

const ORDERING_OPTIONS: { value: PaperOrdering | ""; label: string }[] = [
  { value: "", label: "Best match" },
  { value: "-relevance", label: "Relevance" },
  { value: "-published", label: "Newest" },
  { value: "-upvotes", label: "Most upvoted" },
];

/**
 * Search text, topic and tag apply on submit (one search, not one per keystroke); the selects and
 * the checkbox apply at once.
 */
export function PaperFiltersForm({ filters, onChange, topics, tags }: PaperFiltersFormProps) {
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
          <label htmlFor="paper-topic">Topic</label>
          <input
            id="paper-topic"
            list="paper-topics"
            value={draft.topic}
            onChange={(event) => setDraft({ ...draft, topic: event.target.value })}
          />
          <datalist id="paper-topics">
            {topics.map((topic) => (
              <option key={topic} value={topic} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="paper-tag">Tag</label>
          <input
            id="paper-tag"
            list="paper-tags"
            value={draft.tag}
            onChange={(event) => setDraft({ ...draft, tag: event.target.value })}
          />
          <datalist id="paper-tags">
            {tags.map((tag) => (
              <option key={tag} value={tag} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="paper-source">Source</label>
          <select
            id="paper-source"
            value={draft.source}
            onChange={(event) => applyNow({ source: event.target.value as PaperSource | "" })}
          >
            {SOURCE_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
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
