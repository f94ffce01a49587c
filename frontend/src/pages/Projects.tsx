import { EmptyState } from "../components/EmptyState";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { ProjectCard } from "../components/ProjectCard";
import { useProjects } from "../hooks/useContent";
import { usePageMeta } from "../hooks/usePageMeta";

export default function Projects() {
  const projects = useProjects();
  usePageMeta({
    title: "Projects",
    description: "The owner's projects: what each does, how it is built, and its code.",
  });
  return (
    <section aria-labelledby="projects-heading">
      <h1 id="projects-heading">Projects</h1>
      {projects.isPending && <Loading label="Loading the projects…" />}
      {projects.error && <ErrorMessage what="the projects" error={projects.error} onRetry={() => projects.refetch()} />}
      {projects.data &&
        (projects.data.results.length > 0 ? (
          <div className="card-grid">
            {projects.data.results.map((project) => (
              <ProjectCard key={project.slug} project={project} />
            ))}
          </div>
        ) : (
          <EmptyState>
            <p>No projects yet. The owner adds them in the admin.</p>
          </EmptyState>
        ))}
    </section>
  );
}
