// Dates from the APIs are ISO strings; shown in the visitor's locale, in UTC so a date does not
// move by a day with the visitor's time zone.

export function formatMonth(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(undefined, { year: "numeric", month: "short", timeZone: "UTC" });
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
}

/** "A, B, C and 12 others" */
export function formatAuthors(authors: readonly string[], max = 4): string {
  // "and 1 other" would hide a name in the space the name takes.
  if (authors.length <= max + 1) return authors.join(", ");
  return `${authors.slice(0, max).join(", ")} and ${authors.length - max} others`;
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString(undefined, { maximumFractionDigits: digits });
}
