import { useEffect, useRef } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { SITE_NAME } from "../site";
import { usePageTracking } from "../tracking/usePageTracking";
import { ThemeToggle } from "./ThemeToggle";

export { SITE_NAME };

const NAV = [
  { to: "/", label: "Home", end: true },
  { to: "/projects", label: "Projects", end: false },
  { to: "/papers", label: "Papers", end: false },
  { to: "/chat", label: "Chat", end: false },
  { to: "/analytics", label: "Analytics", end: false },
] as const;

/** Page frame shared by every route: skip link, header with navigation and theme, then the page. */
export function Layout() {
  usePageTracking();
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(pathname);
  // After a client-side navigation, keyboard and screen-reader users start at the new page's content,
  // as they would after a full page load (not at the link they followed in the old one).
  useEffect(() => {
    if (shownPath.current === pathname) return;
    shownPath.current = pathname;
    main.current?.focus();
  }, [pathname]);
  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <NavLink to="/" className="site-name" end>
          {SITE_NAME}
        </NavLink>
        <nav aria-label="Main">
          <ul className="nav-list">
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <ThemeToggle />
      </header>
      <main id="main" className="site-main" tabIndex={-1} ref={main}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>
          Analytics here are cookieless and honour Global Privacy Control. Papers arrive daily from arXiv, Hugging Face
          and Papers with Code.
        </p>
      </footer>
    </div>
  );
}
