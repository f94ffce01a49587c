import { Link } from "react-router";
import { SITE_NAME } from "../components/Layout";

export default function NotFound() {
  return (
    <section>
      <title>{`Page not found · ${SITE_NAME}`}</title>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Back to the home page</Link>
      </p>
    </section>
  );
}
