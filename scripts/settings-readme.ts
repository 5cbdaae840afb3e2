// `npm run settings:readme`: rewrites the README's settings table (between its settings markers) from the
// one settings table, src/config/table.ts, formatted as `npm run format` formats it. `--check` writes
// nothing and fails when the README is out of date.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { regenerateReadme } from "../src/config/markdown";

async function main(): Promise<void> {
  const path = join(__dirname, "..", "README.md");
  const readme = readFileSync(path, "utf8");
  const updated = await regenerateReadme(readme, path);
  if (process.argv.includes("--check")) {
    if (updated !== readme) {
      process.stderr.write("README.md: the settings table is out of date; run `npm run settings:readme`\n");
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(path, updated);
  console.log(
    updated === readme ? "README.md: settings table up to date" : "README.md: settings table rewritten",
  );
}

void main();
