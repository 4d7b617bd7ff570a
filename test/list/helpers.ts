/**
 * Shared test helpers for the list stage: temporary directories and fixture paths.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { importLists, type ImportOptions, type ImportReport } from '../../src/list/index.js';

/** `test/fixtures/lists`. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'lists');

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test. */
export function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ht-list-'));
  dirs.push(d);
  return d;
}

/** Writes `content` to `dir/name` and returns the path. */
export function put(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** importLists with test defaults (auto format, strict). */
export function imp(files: string[], out: string, extra: Partial<ImportOptions> = {}): Promise<ImportReport> {
  return importLists(files, { out, format: 'auto', skipInvalid: false, ...extra });
}

/** The five digests of "hello\n", the synthetic fixtures' file0.txt. */
export const HELLO = {
  md5: 'b1946ac92492d2347c6235b4d2611184',
  sha1: 'f572d396fae9206628714fb2ce00f72e94f2258f',
  sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
};
/** The digests of "world\n" (file1.txt). */
export const WORLD = {
  md5: '591785b794601e212b260e25925636fd',
  sha1: '9591818c07e900db7e1e0bc4b884c945e6a61b24',
  sha256: 'e258d248fda94c63753607f7c4494ee0fcbe92f1a76bfdac795c9d84101eb317',
};
