import { Link } from "react-router";
import type { ProjectSummary } from "../api/core";

/** `level`: 2 in a page's main list, 3 under a section's own h2. */
export function ProjectCard({ project, level = 2 }: { project: ProjectSummary; level?: 2 | 3 }) {
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <article className="card project-card">
      {project.image && <img src={project.image} alt="" className="card-image" loading="lazy" />}
      <Heading>
        <Link to={`/projects/${encodeURIComponent(project.slug)}`}>{project.title}</Link>
      </Heading>
      <p>{project.summary}</p>
      {project.technologies.length > 0 && (
        <ul className="chips" aria-label={`Technologies of ${project.title}`}>
          {project.technologies.map((tech) => (
            <li key={tech.slug} className="chip">
              {tech.name}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
