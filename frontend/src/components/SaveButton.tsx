import type { Paper } from "../api/core";
import { useSavedPapers } from "../hooks/useSavedPapers";

type Saveable = Pick<Paper, "arxiv_id" | "title" | "authors" | "published">;

/**
 * "Save for later" (this browser only, no account); pressed when saved, pressing again removes it.
 * `named` adds the title to its accessible name, for lists where several such buttons sit together.
 */
export function SaveButton({ paper, named = false }: { paper: Saveable; named?: boolean }) {
  const { isSaved, save, unsave } = useSavedPapers();
  const saved = isSaved(paper.arxiv_id);
  return (
    <button
      type="button"
      className="secondary save-button"
      aria-pressed={saved}
      onClick={() => (saved ? unsave(paper.arxiv_id) : save(paper))}
    >
      {saved ? "Saved" : "Save for later"}
      {named && <span className="visually-hidden">: {paper.title}</span>}
    </button>
  );
}
