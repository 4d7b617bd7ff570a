/**
 * Unreadable directories, tested for real even when the tests run as root.
 *
 * Root reads a mode-000 directory regardless (CAP_DAC_OVERRIDE), so EACCES
 * cannot be produced in this process. Instead the walk's own sources are
 * transpiled (TypeScript's transpileModule, no type check) into a temporary
 * package, and a child process walks the tree as the unprivileged user
 * `nobody` (uid/gid 65534). The same run shows the native reader falling back
 * when the kernel refuses O_NOATIME on directories the user does not own.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeReader } from '../../src/walk/read-dir.js';
import { buildWalkPackage } from './transpiled.js';
import { makeTempRoot, removeTree } from './tree.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** The child must be able to reach the files at all: fail loudly if the temp dir is closed to others. */
function checkNobodyCanReach(base: string): void {
  const probe = spawnSync(process.execPath, ['-e', 'require("fs").readdirSync(process.argv[1])', base], {
    uid: NOBODY,
    gid: NOBODY,
    encoding: 'utf8',
  });
  expect(probe.stderr, 'uid 65534 must be able to read the temp dir').toBe('');
}

describe.skipIf(!isRoot)('unreadable directories, walked as an unprivileged user', () => {
  let base: string;
  let result: { lines: string[]; atimePreserved: boolean; reader: string };

  beforeAll(() => {
    base = makeTempRoot('nobody');
    chmodSync(base, 0o755);
    buildWalkPackage(join(base, 'pkg'), { withAddon: true });
    const ev = join(base, 'evidence');
    mkdirSync(join(ev, 'locked'), { recursive: true });
    mkdirSync(join(ev, 'open-dir'));
    writeFileSync(join(ev, 'locked', 'inside'), 'x');
    writeFileSync(join(ev, 'open-dir', 'visible'), 'y');
    writeFileSync(join(ev, 'z-last'), 'z');
    chmodSync(join(ev, 'locked'), 0o000);
    checkNobodyCanReach(base);
    const run = spawnSync(process.execPath, [join(base, 'pkg', 'run.mjs'), ev], {
      uid: NOBODY,
      gid: NOBODY,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    result = JSON.parse(run.stdout);
  });
  afterAll(() => removeTree(base));

  it('records WALK_ACCESS_DENIED for the locked directory and walks on', () => {
    expect(result.lines).toEqual(['error WALK_ACCESS_DENIED locked', 'file open-dir/visible', 'file z-last']);
  });

  it.skipIf(nativeReader === undefined)(
    'reports atimes not preserved when O_NOATIME is refused for directories the user does not own',
    () => {
      expect(result.atimePreserved).toBe(false);
      // Three directories listed (root, locked fails at open, open-dir): two without O_NOATIME.
      expect(result.reader).toMatch(/O_NOATIME refused \(EPERM\) for 2 directories not owned by this user$/);
    },
  );
});
