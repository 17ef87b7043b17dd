import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The admin console's build: served by Gatehouse at /console from dist/console. Nothing is
 * inlined into index.html (the CSP allows no inline script or style) and no asset becomes a
 * data: URL; every file but index.html is named by its content's hash.
 */
export default defineConfig({
  root: here("."),
  base: "/console/",
  plugins: [preact()],
  build: {
    outDir: here("../dist/console"),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
    reportCompressedSize: true,
  },
  test: {
    root: here("."),
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
