import { Link, useParams } from "react-router";
import { ErrorMessage } from "../components/ErrorMessage";
import { ExternalLink } from "../components/ExternalLink";
import { Loading } from "../components/Loading";
import { SanitizedHtml } from "../components/SanitizedHtml";
import { useProject } from "../hooks/useContent";
import { usePageMeta } from "../hooks/usePageMeta";
import NotFound from "./NotFound";

export default function Project() {
  const slug = useParams().slug ?? "";
  const project = useProject(slug);
  const data = project.data;
  usePageMeta({
    title: data?.title ?? "Project",
    ...(data ? { description: data.summary } : {}),
    image: data?.image ?? null,
    type: "article",
  });

  if (project.error?.status === 404) return <NotFound what="project" />;
  return (
    <article className="project">
      <p>
        <Link to="/projects">← All projects</Link>
      </p>
      {project.isPending && (
        <>
          <h1>Project</h1>
          <Loading label="Loading the project…" />
        </>
      )}
      {project.error && (
        <>
          <h1>Project</h1>
          <ErrorMessage what="the project" error={project.error} onRetry={() => project.refetch()} />
        </>
      )}
      {data && (
        <>
          <h1>{data.title}</h1>
          <p className="lead">{data.summary}</p>
          {data.image && <img className="project-image" src={data.image} alt={`${data.title}: screenshot`} />}
          {(data.repository_url || data.demo_url) && (
            <ul className="link-list" aria-label="Project links">
              {data.repository_url && (
                <li>
                  <ExternalLink href={data.repository_url}>Source code</ExternalLink>
                </li>
              )}
              {data.demo_url && (
                <li>
                  <ExternalLink href={data.demo_url}>Live demo</ExternalLink>
                </li>
              )}
            </ul>
          )}
          {data.technologies.length > 0 && (
            <ul className="chips" aria-label="Technologies">
              {data.technologies.map((tech) => (
                <li key={tech.slug} className="chip">
                  {tech.name}
                </li>
              ))}
            </ul>
          )}
          {/* body_html is the README rendered from Markdown and sanitised with nh3's allow-list by core. */}
          <SanitizedHtml html={data.body_html} />
        </>
      )}
    </article>
  );
}
