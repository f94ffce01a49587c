import { useState } from "react";
import { coreUrl, type Paper } from "../api/core";

/** The paper's image, served by core (its proxy of Hugging Face's thumbnail); nothing when there is none. */
export function PaperThumbnail({ paper }: { paper: Pick<Paper, "thumbnail"> }) {
  const [failed, setFailed] = useState(false);
  if (!paper.thumbnail || failed) return null;
  // Decorative: the title beside it says what the paper is.
  return (
    <img
      className="paper-thumbnail"
      src={coreUrl(paper.thumbnail)}
      alt=""
      width={192}
      height={108}
      loading="lazy"
      decoding="async"
      onError={() => setFailed(true)}
    />
  );
}
