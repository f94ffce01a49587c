import { useQuery } from "@tanstack/react-query";
import {
  getProfile,
  getProject,
  type JourneyEntry,
  listJourney,
  listProjects,
  listTechStack,
  type Page,
  type Profile,
  type Project,
  type ProjectSummary,
  type TechStackItem,
} from "../api/core";
import type { ApiError } from "../api/errors";

// The portfolio content changes when the owner edits it in the admin: minutes of staleness are fine.
const CONTENT_STALE_MS = 5 * 60_000;

export function useProfile() {
  return useQuery<Profile, ApiError>({
    queryKey: ["core", "profile"],
    queryFn: ({ signal }) => getProfile(signal),
    staleTime: CONTENT_STALE_MS,
  });
}

export function useTechStack() {
  return useQuery<Page<TechStackItem>, ApiError>({
    queryKey: ["core", "tech-stack"],
    queryFn: ({ signal }) => listTechStack(signal),
    staleTime: CONTENT_STALE_MS,
  });
}

export function useJourney() {
  return useQuery<Page<JourneyEntry>, ApiError>({
    queryKey: ["core", "journey"],
    queryFn: ({ signal }) => listJourney(signal),
    staleTime: CONTENT_STALE_MS,
  });
}

export function useProjects(options: { featured?: boolean } = {}) {
  return useQuery<Page<ProjectSummary>, ApiError>({
    queryKey: ["core", "projects", options.featured ?? "all"],
    queryFn: ({ signal }) => listProjects(options, signal),
    staleTime: CONTENT_STALE_MS,
  });
}

export function useProject(slug: string) {
  return useQuery<Project, ApiError>({
    queryKey: ["core", "project", slug],
    queryFn: ({ signal }) => getProject(slug, signal),
    staleTime: CONTENT_STALE_MS,
  });
}
