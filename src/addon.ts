/**
 * Finding and loading the project's own native addons (binding.gyp, built by
 * `npm install`): the walk's O_NOATIME directory reader and the hash
 * stage's AVX2 resampling pass. Each has a portable fallback, so an addon that
 * is missing or does not load is a reason to report, never an error.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An addon's exports, or why there are none. */
export interface LoadedAddon<T> {
  addon?: T;
  reason: string;
}

/**
 * Loads `build/Release/<name>.node`. The caller's module runs from `src/…`
 * under vitest and from `dist/src/…` once compiled, so this looks upwards
 * from the caller for `build/Release` rather than hard-coding one depth.
 *
 * @param name - the addon's target name in binding.gyp
 * @param from - the caller's `import.meta.url`
 * @param accept - says whether the exports are usable (e.g. a function is there)
 * @returns the exports, with a description of where they came from, or the reason they are absent
 */
export function loadAddon<T>(name: string, from: string, accept: (exports: unknown) => exports is T): LoadedAddon<T> {
  const file = join('build', 'Release', `${name}.node`);
  let dir = dirname(fileURLToPath(from));
  for (let up = 0; up < 5; up++) {
    const candidate = join(dir, file);
    if (existsSync(candidate)) {
      try {
        const exports: unknown = createRequire(from)(candidate);
        if (accept(exports)) return { addon: exports, reason: `native addon ${candidate}` };
        return { reason: `${candidate} does not offer what is needed here` };
      } catch (err) {
        return { reason: `${candidate} failed to load: ${(err as Error).message}` };
      }
    }
    dir = dirname(dir);
  }
  return { reason: `${file} not found (native addon not built)` };
}
