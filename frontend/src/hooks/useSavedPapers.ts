import { useCallback, useSyncExternalStore } from "react";

/** A paper saved for later: enough to list and link it without asking core. */
export interface SavedPaper {
  arxiv_id: string;
  title: string;
  authors: string[];
  published: string | null;
  saved_at: string;
}

/** Where the saved papers live: this browser only, no account (one JSON list, newest first). */
export const SAVED_PAPERS_KEY = "portfolio.saved-papers.v1";
/** A bound, so a page never lists (or parses) an unbounded list. */
export const MAX_SAVED_PAPERS = 500;

const listeners = new Set<() => void>();
let cachedRaw: string | null | undefined;
let cachedList: SavedPaper[] = [];

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled (privacy settings): nothing is saved, nothing breaks
  }
}

function isSaved(value: unknown): value is SavedPaper {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.arxiv_id === "string" && typeof v.title === "string" && Array.isArray(v.authors);
}

/** The saved papers, parsed once per change of the stored text (same array while unchanged). */
export function readSavedPapers(): SavedPaper[] {
  const raw = storage()?.getItem(SAVED_PAPERS_KEY) ?? null;
  if (raw === cachedRaw) return cachedList;
  cachedRaw = raw;
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    cachedList = Array.isArray(parsed) ? parsed.filter(isSaved).slice(0, MAX_SAVED_PAPERS) : [];
  } catch {
    cachedList = []; // a corrupt entry reads as nothing saved
  }
  return cachedList;
}

function write(list: SavedPaper[]): void {
  try {
    storage()?.setItem(SAVED_PAPERS_KEY, JSON.stringify(list.slice(0, MAX_SAVED_PAPERS)));
  } catch {
    // quota exceeded or storage disabled: the list stays as it was
  }
  for (const listener of listeners) listener();
}

export function savePaper(paper: Omit<SavedPaper, "saved_at">, now: Date = new Date()): void {
  const rest = readSavedPapers().filter((p) => p.arxiv_id !== paper.arxiv_id);
  const entry: SavedPaper = {
    arxiv_id: paper.arxiv_id,
    title: paper.title,
    authors: [...paper.authors],
    published: paper.published ?? null,
    saved_at: now.toISOString(),
  };
  write([entry, ...rest]);
}

export function unsavePaper(arxivId: string): void {
  write(readSavedPapers().filter((p) => p.arxiv_id !== arxivId));
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab saving or removing a paper updates this one too.
  const onStorage = (event: StorageEvent) => {
    if (event.key === SAVED_PAPERS_KEY || event.key === null) listener();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

/** The saved papers and the actions on them; every component using it re-renders on a change. */
export function useSavedPapers() {
  const saved = useSyncExternalStore(subscribe, readSavedPapers, () => [] as SavedPaper[]);
  const isSavedPaper = useCallback((arxivId: string) => saved.some((p) => p.arxiv_id === arxivId), [saved]);
  return { saved, isSaved: isSavedPaper, save: savePaper, unsave: unsavePaper };
}
