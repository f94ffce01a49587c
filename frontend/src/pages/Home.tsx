import { Link } from "react-router";
import { EmptyState } from "../components/EmptyState";
import { ErrorMessage } from "../components/ErrorMessage";
import { JourneyTimeline } from "../components/JourneyTimeline";
import { Loading } from "../components/Loading";
import { ProfileHeader } from "../components/ProfileHeader";
import { ProjectCard } from "../components/ProjectCard";
import { TechStackList } from "../components/TechStackList";
import { useJourney, useProfile, useProjects, useTechStack } from "../hooks/useContent";
import { usePageMeta } from "../hooks/usePageMeta";
import { SITE_NAME } from "../site";

export default function Home() {
  const profile = useProfile();
  const stack = useTechStack();
  const journey = useJourney();
  const featured = useProjects({ featured: true });
  usePageMeta({
    ...(profile.data ? { title: `${profile.data.name} — ${profile.data.headline}` } : {}),
    ...(profile.data ? { description: profile.data.bio } : {}),
    image: profile.data?.photo ?? null,
    type: "profile",
  });

  return (
    <div className="home">
      {profile.isPending && (
        <>
          <h1>{SITE_NAME}</h1>
          <Loading label="Loading the profile…" />
        </>
      )}
      {profile.error && (
        <>
          <h1>{SITE_NAME}</h1>
          {profile.error.status === 404 ? (
            <EmptyState>
              <p>No profile has been written yet. The owner adds it in the admin.</p>
            </EmptyState>
          ) : (
            <ErrorMessage what="the profile" error={profile.error} onRetry={() => profile.refetch()} />
          )}
        </>
      )}
      {profile.data && <ProfileHeader profile={profile.data} />}

      <section aria-labelledby="stack-heading">
        <h2 id="stack-heading">Tech stack</h2>
        {stack.isPending && <Loading label="Loading the tech stack…" />}
        {stack.error && <ErrorMessage what="the tech stack" error={stack.error} onRetry={() => stack.refetch()} />}
        {stack.data &&
          (stack.data.results.length > 0 ? (
            <TechStackList items={stack.data.results} />
          ) : (
            <EmptyState>
              <p>No technologies listed yet.</p>
            </EmptyState>
          ))}
      </section>

      <section aria-labelledby="journey-heading">
        <h2 id="journey-heading">Journey</h2>
        {journey.isPending && <Loading label="Loading the journey…" />}
        {journey.error && <ErrorMessage what="the journey" error={journey.error} onRetry={() => journey.refetch()} />}
        {journey.data &&
          (journey.data.results.length > 0 ? (
            <JourneyTimeline entries={journey.data.results} />
          ) : (
            <EmptyState>
              <p>No journey entries yet.</p>
            </EmptyState>
          ))}
      </section>

      <section aria-labelledby="featured-heading">
        <h2 id="featured-heading">Featured projects</h2>
        {featured.isPending && <Loading label="Loading the projects…" />}
        {featured.error && (
          <ErrorMessage what="the projects" error={featured.error} onRetry={() => featured.refetch()} />
        )}
        {featured.data &&
          (featured.data.results.length > 0 ? (
            <div className="card-grid">
              {featured.data.results.map((project) => (
                <ProjectCard key={project.slug} project={project} level={3} />
              ))}
            </div>
          ) : (
            <EmptyState>
              <p>No featured projects yet.</p>
            </EmptyState>
          ))}
        <p>
          <Link to="/projects">All projects</Link> · <Link to="/papers">Latest AI papers</Link> ·{" "}
          <Link to="/chat">Ask the assistant</Link>
        </p>
      </section>
    </div>
  );
}
