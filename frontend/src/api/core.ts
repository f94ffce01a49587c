import { config } from "./config";
import type { components, operations } from "./generated/core";
import { fetchJson, queryString } from "./http";

// Shapes come from core's OpenAPI schema (src/api/generated/core.ts, `npm run api:generate`), so a
// renamed or removed field fails the typecheck instead of rendering `undefined`.
type Schemas = components["schemas"];
export type Profile = Schemas["Profile"];
export type TechStackItem = Schemas["TechStack"];
export type JourneyEntry = Schemas["JourneyEntry"];
export type ProjectSummary = Schemas["ProjectList"];
export type Project = Schemas["ProjectDetail"];
export type Paper = Schemas["Paper"];
export type PaperPage = Schemas["PaginatedPaperList"];
export type PaperFacets = Schemas["PaperFacets"];
export type FacetValue = Schemas["FacetValue"];
export type SimilarPapers = Schemas["SimilarPapers"];
export type SimilarPaper = Schemas["SimilarPaper"];
export type ChatRequest = Schemas["ChatRequest"];
export type ChatResponse = Schemas["ChatResponse"];
export type Citation = Schemas["Citation"];
export type ChatSuggestions = Schemas["Suggestions"];
export type StarterQuestion = Schemas["Starter"];
export type DashboardToken = Schemas["DashboardToken"];
export type ScrapeJob = Schemas["ScrapeJob"];
export type PaperQuery = NonNullable<operations["papers_list"]["parameters"]["query"]>;
export type PaperOrdering = NonNullable<PaperQuery["ordering"]>;
export type PaperSource = NonNullable<PaperQuery["source"]>;
export type PaperFacetsQuery = NonNullable<operations["papers_facets"]["parameters"]["query"]>;

/** A list endpoint's page: `{count, next, previous, results}`; the papers list adds `count_capped`. */
export interface Page<T> {
  count: number;
  /** True when more papers match than core counts: `count` is then its cap. */
  count_capped?: boolean;
  next?: string | null;
  previous?: string | null;
  results: T[];
}

export interface Health {
  status: string;
  service: string;
}

/** Calls the core service (Django) at VITE_CORE_URL; errors arrive as ApiError. */
export function coreFetch<T>(path: string, init?: RequestInit): Promise<T> {
  return fetchJson<T>(config.coreUrl, path, init);
}

function withSignal(signal?: AbortSignal): RequestInit {
  return signal ? { signal } : {};
}

export function getHealth(signal?: AbortSignal): Promise<Health> {
  return coreFetch<Health>("/health", withSignal(signal));
}

export function getProfile(signal?: AbortSignal): Promise<Profile> {
  return coreFetch<Profile>("/api/profile/", withSignal(signal));
}

// The portfolio has tens of items, not hundreds: one page of the maximum size holds them all.
const ALL = { page_size: 200 };

export function listTechStack(signal?: AbortSignal): Promise<Page<TechStackItem>> {
  return coreFetch(`/api/tech-stack/${queryString(ALL)}`, withSignal(signal));
}

export function listJourney(signal?: AbortSignal): Promise<Page<JourneyEntry>> {
  return coreFetch(`/api/journey/${queryString(ALL)}`, withSignal(signal));
}

export function listProjects(
  options: { featured?: boolean } = {},
  signal?: AbortSignal,
): Promise<Page<ProjectSummary>> {
  return coreFetch(`/api/projects/${queryString({ ...ALL, featured: options.featured })}`, withSignal(signal));
}

export function getProject(slug: string, signal?: AbortSignal): Promise<Project> {
  return coreFetch(`/api/projects/${encodeURIComponent(slug)}/`, withSignal(signal));
}

export function listPapers(query: PaperQuery, signal?: AbortSignal): Promise<PaperPage> {
  return coreFetch(`/api/papers/${queryString(query)}`, withSignal(signal));
}

export function getPaperFacets(query: PaperFacetsQuery, signal?: AbortSignal): Promise<PaperFacets> {
  return coreFetch(`/api/papers/facets/${queryString(query)}`, withSignal(signal));
}

/** A path core answers (a paper's `thumbnail`, say) as an absolute URL: images come from core only. */
export function coreUrl(path: string): string {
  return `${config.coreUrl}${path}`;
}

/** The Atom feed of the week's best papers, of one topic or of all. */
export function feedUrl(topic?: string): string {
  return coreUrl(`/api/papers/feed.xml${topic ? `?${new URLSearchParams({ topic })}` : ""}`);
}

/** Old-style ids (`hep-th/9901001`) keep their slash: core's route accepts both styles. */
export function paperPath(arxivId: string): string {
  return arxivId.split("/").map(encodeURIComponent).join("/");
}

export function getPaper(arxivId: string, signal?: AbortSignal): Promise<Paper> {
  return coreFetch(`/api/papers/${paperPath(arxivId)}/`, withSignal(signal));
}

/** Papers near this one by their text's embedding; `degraded` when core could not ask right now. */
export function getSimilarPapers(arxivId: string, signal?: AbortSignal): Promise<SimilarPapers> {
  return coreFetch(`/api/papers/${paperPath(arxivId)}/similar/`, withSignal(signal));
}

export function getScrapeStatus(signal?: AbortSignal): Promise<ScrapeJob> {
  return coreFetch("/api/papers/scrape-status/", withSignal(signal));
}

export function askChatbot(body: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
  return coreFetch("/api/chatbot/", { method: "POST", body: JSON.stringify(body), ...withSignal(signal) });
}

/** The chat page's starter questions, built by core from the owner's content. */
export function getChatSuggestions(signal?: AbortSignal): Promise<ChatSuggestions> {
  return coreFetch("/api/chatbot/suggestions/", withSignal(signal));
}

/** The dashboard token needs the owner's Django session cookie (the admin login), hence credentials. */
export function getDashboardToken(signal?: AbortSignal): Promise<DashboardToken> {
  return coreFetch("/api/analytics/token/", { credentials: "include", cache: "no-store", ...withSignal(signal) });
}

/** A read-only dashboard token for the holder of an owner-minted share link: no login, no cookie. */
export function getSharedDashboardToken(share: string, signal?: AbortSignal): Promise<DashboardToken> {
  return coreFetch("/api/analytics/token/", {
    method: "POST",
    body: JSON.stringify({ share }),
    credentials: "omit",
    cache: "no-store",
    ...withSignal(signal),
  });
}
