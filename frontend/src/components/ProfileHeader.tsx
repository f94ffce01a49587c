import type { Profile } from "../api/core";
import { ExternalLink } from "./ExternalLink";
import { SanitizedHtml } from "./SanitizedHtml";

/** The owner: photo, name, headline, bio (sanitised by core) and links. */
export function ProfileHeader({ profile }: { profile: Profile }) {
  return (
    <header className="profile">
      {profile.photo && (
        <img className="profile-photo" src={profile.photo} alt={profile.name} width={128} height={128} />
      )}
      <div>
        <h1>{profile.name}</h1>
        <p className="profile-headline">{profile.headline}</p>
        {profile.location && <p className="muted">{profile.location}</p>}
        {/* bio_html is rendered from Markdown and sanitised with nh3's allow-list by core. */}
        <SanitizedHtml html={profile.bio_html} />
        {(profile.links.length > 0 || profile.cv) && (
          <ul className="link-list" aria-label="Profile links">
            {profile.links.map((link) => (
              <li key={link.url}>
                <ExternalLink href={link.url}>{link.label}</ExternalLink>
              </li>
            ))}
            {profile.cv && (
              <li>
                <ExternalLink href={profile.cv}>CV</ExternalLink>
              </li>
            )}
          </ul>
        )}
      </div>
    </header>
  );
}
