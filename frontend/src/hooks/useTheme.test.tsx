import { fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stubApi } from "../test/api";
import { renderRoute } from "../test/render";
import { initialTheme } from "./useTheme";

afterEach(() => window.localStorage.clear());

describe("theme", () => {
  it("follows the system preference until the visitor chooses, then remembers the choice", () => {
    vi.stubGlobal("matchMedia", (query: string) => ({ matches: query.includes("dark") }));
    expect(initialTheme()).toBe("dark");

    stubApi({});
    renderRoute("/no/such/page");
    expect(document.documentElement.dataset.theme).toBe("dark");
    fireEvent.click(screen.getByRole("button", { name: "Switch to light theme" }));
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(window.localStorage.getItem("theme")).toBe("light");
    expect(initialTheme()).toBe("light");
    expect(screen.getByRole("button", { name: "Switch to dark theme" })).toBeInTheDocument();
  });
});
