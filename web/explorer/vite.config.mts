// The explorer's web application: Preact, built by Vite into web/explorer/dist, which the explorer's
// server (src/explorer/server.ts) serves. `npm run explorer` builds it; so do the browser tests.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  logLevel: "warn",
});
