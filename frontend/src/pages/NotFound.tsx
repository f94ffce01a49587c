import { Link } from "react-router";
import { usePageMeta } from "../hooks/usePageMeta";

/** The 404 page; also shown by a detail page whose item does not exist. */
export default function NotFound({ what }: { what?: string }) {
  usePageMeta({ title: "Page not found", description: "There is nothing at this address." });
  return (
    <section>
      <h1>Page not found</h1>
      <p>{what ? `There is no such ${what}.` : "There is nothing at this address."}</p>
      <p>
        <Link to="/">Back to the home page</Link>
      </p>
    </section>
  );
}
