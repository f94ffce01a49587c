import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useLocation } from "react-router";
import {
  listPapers,
  type PaperFacetsQuery,
  type PaperOrdering,
  type PaperPage,
  type PaperQuery,
  type PaperSource,
} from "../api/core";
import type { ApiError } from "../api/errors";
import { trackSearch } from "../tracking/tracker";

export const PAPERS_PAGE_SIZE = 20;

/** What the papers page filters by; kept in the URL so a filtered list is a shareable link. */
export interface PaperFilters {
  search: string;
  topic: string;
  tag: string;
  source: PaperSource | "";
  hasCode: boolean;
  ordering: PaperOrdering | "";
  /** One UTC day of `published` (YYYY-MM-DD), or "" for every day. */
  day: string;
}

export const EMPTY_FILTERS: PaperFilters = {
  search: "",
  topic: "",
  tag: "",
  source: "",
  hasCode: false,
  ordering: "",
  day: "",
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `day` moved by `days` (UTC calendar days); "" when `day` is not a date. */
export function shiftDay(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (!DAY.test(day) || Number.isNaN(date.getTime())) return "";
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Today's UTC date (YYYY-MM-DD). */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

const SOURCES: readonly PaperSource[] = ["arxiv", "huggingface", "pwc"];
const ORDERINGS: readonly PaperOrdering[] = ["-relevance", "-published", "-upvotes"];

export function filtersFromParams(params: URLSearchParams): PaperFilters {
  const source = params.get("source") ?? "";
  const ordering = params.get("ordering") ?? "";
  return {
    search: params.get("search") ?? "",
    topic: params.get("topic") ?? "",
    tag: params.get("tag") ?? "",
    source: (SOURCES as readonly string[]).includes(source) ? (source as PaperSource) : "",
    hasCode: params.get("has_code") === "true",
    ordering: (ORDERINGS as readonly string[]).includes(ordering) ? (ordering as PaperOrdering) : "",
    day: shiftDay(params.get("day") ?? "", 0),
  };
}

export function filtersToParams(filters: PaperFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.search.trim()) params.set("search", filters.search.trim());
  if (filters.topic) params.set("topic", filters.topic);
  if (filters.tag) params.set("tag", filters.tag);
  if (filters.source) params.set("source", filters.source);
  if (filters.hasCode) params.set("has_code", "true");
  if (filters.ordering) params.set("ordering", filters.ordering);
  if (filters.day) params.set("day", filters.day);
  return params;
}

/** Core's filter parameters for `filters` (shared by the list and its facets). */
export function filterQuery(filters: PaperFilters): PaperFacetsQuery {
  const query: PaperFacetsQuery = {};
  if (filters.search.trim()) query.search = filters.search.trim();
  if (filters.topic) query.topic = filters.topic;
  if (filters.tag) query.tag = filters.tag;
  if (filters.source) query.source = filters.source;
  if (filters.hasCode) query.has_code = true;
  if (filters.day) {
    // A day is the UTC date of `published`; published_before is exclusive.
    query.published_after = filters.day;
    query.published_before = shiftDay(filters.day, 1);
  }
  return query;
}

export function toQuery(filters: PaperFilters, page: number): PaperQuery {
  const query: PaperQuery = { page, page_size: PAPERS_PAGE_SIZE, ...filterQuery(filters) };
  if (filters.ordering) query.ordering = filters.ordering;
  return query;
}

/**
 * Papers matching `filters`, a page at a time ("Load more" fetches the next). Each new search
 * text is reported once to analytics with its result count; the search id it gets rides on the
 * clicks that follow.
 */
export function usePapers(filters: PaperFilters) {
  const result = useInfiniteQuery<PaperPage, ApiError>({
    queryKey: ["core", "papers", filters],
    queryFn: ({ pageParam, signal }) => listPapers(toQuery(filters, pageParam as number), signal),
    initialPageParam: 1,
    getNextPageParam: (last, pages) => (last.next ? pages.length + 1 : undefined),
  });

  const { pathname } = useLocation();
  const reported = useRef<string>("");
  const search = filters.search.trim();
  const firstPage = result.data?.pages[0];
  useEffect(() => {
    if (!search || !firstPage) return;
    const key = JSON.stringify(filters);
    if (reported.current === key) return;
    reported.current = key;
    trackSearch(pathname, search, firstPage.count);
  }, [search, firstPage, filters, pathname]);

  return result;
}
