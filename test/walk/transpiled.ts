/**
 * A runnable copy of the walk stage outside vitest, for tests that need a
 * child process: one running as another user, or one without the addon.
 * The sources are transpiled with TypeScript's transpileModule (no type
 * check; the real type check is `tsc`), keeping the src/ layout.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Writes `pkg/` with src/errors.js, src/types.js, src/walk/*.js and
 * `run.mjs`, a script that walks `argv[2]` and prints one JSON object:
 * `{ lines, atimePreserved, reader }`, where each line is `<kind> [<code>] <path>`.
 *
 * @param withAddon - copy build/Release/hashtriage_dirlist.node beside it (when built).
 */
export function buildWalkPackage(pkg: string, { withAddon }: { withAddon: boolean }): void {
  const sources = ['src/errors.ts', 'src/types.ts', 'src/addon.ts', ...readdirSync(join(REPO, 'src/walk')).map((f) => `src/walk/${f}`)];
  for (const rel of sources.filter((s) => s.endsWith('.ts'))) {
    const out = ts.transpileModule(readFileSync(join(REPO, rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    mkdirSync(join(pkg, dirname(rel)), { recursive: true });
    writeFileSync(join(pkg, rel.replace(/\.ts$/, '.js')), out);
  }
  writeFileSync(join(pkg, 'package.json'), '{"type":"module"}');
  const addon = join(REPO, 'build/Release/hashtriage_dirlist.node');
  if (withAddon && existsSync(addon)) {
    mkdirSync(join(pkg, 'build/Release'), { recursive: true });
    copyFileSync(addon, join(pkg, 'build/Release/hashtriage_dirlist.node'));
  }
  writeFileSync(
    join(pkg, 'run.mjs'),
    `import { walk, directoryAtimePreserved, directoryReaderDescription } from './src/walk/index.js';
const lines = [];
for await (const e of walk(process.argv[2])) {
  lines.push(e.kind === 'error' ? 'error ' + e.failure.code + ' ' + e.path : e.kind + ' ' + e.path);
}
console.log(JSON.stringify({ lines, atimePreserved: directoryAtimePreserved(), reader: directoryReaderDescription() }));
`,
  );
}
