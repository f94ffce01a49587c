import type { DashboardFilter, FilterKind } from "../dashboardUrl";

export const FILTER_NAMES: Record<FilterKind, string> = {
  page: "Page",
  source: "Referrer",
  country: "Country",
  topic: "Topic",
  campaign: "Campaign",
};

/** The dashboard's one filter, with a button that removes it. */
export function FilterChip({ filter, onRemove }: { filter: DashboardFilter; onRemove: () => void }) {
  return (
    <p className="chips dashboard-filter">
      <span className="visually-hidden">Filtered by </span>
      <span className="chip">
        {FILTER_NAMES[filter.kind]}: <strong>{filter.value}</strong>
        <button
          type="button"
          className="chip-remove"
          onClick={onRemove}
          aria-label={`Remove the filter ${FILTER_NAMES[filter.kind]}: ${filter.value}`}
        >
          ×
        </button>
      </span>
    </p>
  );
}
