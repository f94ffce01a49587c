import type { Paper } from "../api/core";
import { paperProps } from "../tracking/tracker";
import { ExternalLink } from "./ExternalLink";

export function codeUrl(paper: Paper): string | null {
  if (!paper.github_repo) return null;
  return paper.github_repo.includes("://") ? paper.github_repo : `https://github.com/${paper.github_repo}`;
}

/** Abstract, PDF, code and project page: outbound clicks carrying the paper's id and topics. */
export function PaperLinks({ paper }: { paper: Paper }) {
  const props = paperProps(paper);
  const code = codeUrl(paper);
  return (
    <ul className="link-list" aria-label={`Links for ${paper.title}`}>
      {paper.abs_url && (
        <li>
          <ExternalLink href={paper.abs_url} kind="outbound" props={{ ...props, link: "abstract" }}>
            Abstract
          </ExternalLink>
        </li>
      )}
      {paper.pdf_url && (
        <li>
          <ExternalLink href={paper.pdf_url} kind="outbound" props={{ ...props, link: "pdf" }}>
            PDF
          </ExternalLink>
        </li>
      )}
      {code && (
        <li>
          <ExternalLink href={code} kind="outbound" props={{ ...props, link: "code" }}>
            Code{paper.github_stars ? ` (${paper.github_stars} stars)` : ""}
          </ExternalLink>
        </li>
      )}
      {paper.project_url && (
        <li>
          <ExternalLink href={paper.project_url} kind="outbound" props={{ ...props, link: "project" }}>
            Project page
          </ExternalLink>
        </li>
      )}
    </ul>
  );
}
