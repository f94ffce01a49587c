import { lazy, Suspense } from "react";
import type { RouteObject } from "react-router";
import { Layout } from "./components/Layout";
import { Loading } from "./components/Loading";
import Home from "./pages/Home";
import NotFound from "./pages/NotFound";
import Paper from "./pages/Paper";
import Papers from "./pages/Papers";
import Project from "./pages/Project";
import Projects from "./pages/Projects";
import Saved from "./pages/Saved";

// Chat and the dashboard (charts, Socket.IO) are separate chunks, loaded when first visited, so
// the first page a visitor opens does not pay for them.
const ChatPage = lazy(() => import("./pages/Chat"));
const AnalyticsPage = lazy(() => import("./pages/Analytics"));

function Chat() {
  return (
    <Suspense fallback={<Loading label="Loading the chat…" />}>
      <ChatPage />
    </Suspense>
  );
}

function Analytics() {
  return (
    <Suspense fallback={<Loading label="Loading the dashboard…" />}>
      <AnalyticsPage />
    </Suspense>
  );
}

// One file per route under pages/; every page renders inside Layout.
export const routes: RouteObject[] = [
  {
    path: "/",
    Component: Layout,
    children: [
      { index: true, Component: Home },
      { path: "projects", Component: Projects },
      { path: "projects/:slug", Component: Project },
      { path: "papers", Component: Papers },
      { path: "papers/saved", Component: Saved },
      // The rest of the path is the arXiv id: old-style ids contain a slash (hep-th/9901001).
      { path: "papers/*", Component: Paper },
      { path: "chat", Component: Chat },
      { path: "analytics", Component: Analytics },
      { path: "*", Component: NotFound },
    ],
  },
];
