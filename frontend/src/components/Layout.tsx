import { NavLink, Outlet } from "react-router";

export const SITE_NAME = "AI Platform Portfolio";

/** Page frame shared by every route: header with the site name and navigation, then the page. */
export function Layout() {
  return (
    <div className="layout">
      <header className="site-header">
        <NavLink to="/" className="site-name" end>
          {SITE_NAME}
        </NavLink>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/" end>
                Home
              </NavLink>
            </li>
          </ul>
        </nav>
      </header>
      <main className="site-main">
        <Outlet />
      </main>
    </div>
  );
}
