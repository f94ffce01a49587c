import type { RouteObject } from "react-router";
import { Layout } from "./components/Layout";
import Home from "./pages/Home";
import NotFound from "./pages/NotFound";

// One file per route under pages/; every page renders inside Layout.
export const routes: RouteObject[] = [
  {
    path: "/",
    Component: Layout,
    children: [
      { index: true, Component: Home },
      { path: "*", Component: NotFound },
    ],
  },
];
