import type { JourneyEntry, Paper, Profile, ProjectSummary, TechStackItem } from "../api/core";

export const profile: Profile = {
  name: "Vasu Kapoor",
  headline: "AI/ML engineer",
  bio: "I build retrieval systems.",
  bio_html: "<p>I build <strong>retrieval</strong> systems.</p>",
  photo: null,
  location: "London",
  links: [{ label: "GitHub", url: "https://github.com/example" }],
  cv: null,
  updated_at: "2026-11-01T00:00:00Z",
};

export const techStack: TechStackItem[] = [
  { id: 1, name: "Python", slug: "python", category: "Languages", proficiency: 90, icon: "", order: 1 },
  { id: 2, name: "TypeScript", slug: "typescript", category: "Languages", proficiency: 70, icon: "", order: 2 },
  { id: 3, name: "PyTorch", slug: "pytorch", category: "ML & AI", proficiency: 80, icon: "", order: 1 },
];

export const journey: JourneyEntry[] = [
  {
    id: 1,
    kind: "work",
    title: "ML Engineer",
    organisation: "Acme",
    start: "2024-01-01",
    end: null,
    current: true,
    description: "Search.",
    description_html: "<p>Search.</p>",
    order: 1,
  },
];

export const project: ProjectSummary = {
  slug: "rag-bot",
  title: "RAG Bot",
  summary: "A chatbot that cites its sources.",
  image: null,
  technologies: [{ name: "Python", slug: "python", category: "Languages", icon: "" }],
  repository_url: "https://github.com/example/rag-bot",
  demo_url: null,
  featured: true,
  order: 1,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

export function paper(overrides: Partial<Paper> = {}): Paper {
  return {
    arxiv_id: "2411.01234",
    version: 1,
    title: "Retrieval at Scale",
    abstract: "We retrieve things.",
    authors: ["Ada Lovelace", "Alan Turing"],
    primary_category: "cs.LG",
    categories: ["cs.LG"],
    published: "2026-11-20T00:00:00Z",
    updated: null,
    abs_url: "https://arxiv.org/abs/2411.01234",
    pdf_url: "https://arxiv.org/pdf/2411.01234",
    doi: null,
    journal_ref: null,
    comment: null,
    sources: ["arxiv"],
    hf_upvotes: 5,
    hf_comments: null,
    github_repo: "example/retrieval",
    github_stars: 42,
    project_url: null,
    ai_summary: null,
    organization: null,
    topics: ["rag", "llm"],
    tags: ["benchmark"],
    relevance: 81.5,
    relevance_components: { interest: 0.9, community: 0.2, recency: 0.8, code: 1 },
    thumbnail: null,
    pinned: false,
    sample: false,
    ...overrides,
  };
}
