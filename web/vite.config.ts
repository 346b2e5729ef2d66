// The console's page: `vite build web` writes web/dist, which scripts/console/server.ts serves.
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  logLevel: "warn",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
});
