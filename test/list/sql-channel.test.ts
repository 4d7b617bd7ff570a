/**
 * The import's SQLite connection on its own thread: statements run in the
 * order they were given, blobs arrive intact, failures surface at the next
 * call instead of hanging or being lost.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqlChannel } from '../../src/list/sql-channel.js';
import { REPLIED, STARTED, STOPPED } from '../../src/list/sql-protocol.js';
import { tmp } from './helpers.js';

const DIGEST_TABLE = 'CREATE TABLE d (digest BLOB NOT NULL, entry INTEGER NOT NULL, PRIMARY KEY (digest, entry)) WITHOUT ROWID';

describe('SqlChannel', () => {
  it('runs queued statements in order, with blobs that are views of a larger buffer, and commits', () => {
    const d = tmp();
    const temp = join(d, 'new.tmp');
    const c = SqlChannel.open(join(d, 'l.sqlite'), temp);
    c.exec(DIGEST_TABLE);
    // 50,000 rows through runPairs: many batches, so the queue fills and waits.
    const rows = 50_000;
    const width = 16;
    const big = Buffer.alloc(rows * width);
    for (let i = 0; i < rows; i++) big.writeUInt32BE(i, i * width);
    const insert = `INSERT INTO d (digest, entry) SELECT substr(?, key * ${width} + 1, ${width}), value FROM json_each(?)`;
    for (let at = 0; at < rows; at += 250) {
      const entries = Float64Array.from({ length: 250 }, (_, k) => at + k);
      c.runPairs(insert, width, big.subarray(at * width), entries);
    }
    // Plain run with a view of the same big buffer: only its 16 bytes may travel.
    c.run('INSERT INTO d (digest, entry) VALUES (?, ?)', [big.subarray(7 * width, 8 * width), 999_999]);
    expect(c.get('SELECT count(*) AS n FROM d')).toEqual({ n: rows + 1 });
    expect(c.get('SELECT entry FROM d WHERE digest = ? ORDER BY entry', [big.subarray(7 * width, 8 * width)])).toEqual({ entry: 7 });
    c.commit();
    const db = new Database(temp, { readonly: true });
    try {
      const last = db.prepare('SELECT digest, entry FROM d ORDER BY digest DESC, entry DESC LIMIT 1').get() as { digest: Buffer; entry: number };
      expect(last.entry).toBe(rows - 1);
      expect(last.digest.equals(big.subarray((rows - 1) * width, rows * width))).toBe(true);
      expect(db.prepare('SELECT count(*) AS n FROM d WHERE entry = 999999').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('reports a failed queued statement at the next call, skipping what follows it, and rolls back on abort', () => {
    const d = tmp();
    const temp = join(d, 'new.tmp');
    const c = SqlChannel.open(join(d, 'l.sqlite'), temp);
    c.exec(DIGEST_TABLE);
    c.run('INSERT INTO d (digest, entry) VALUES (?, ?)', [Buffer.from('aa', 'hex'), 1]);
    c.run('INSERT INTO no_such_table (x) VALUES (?)', [1]);
    c.run('INSERT INTO d (digest, entry) VALUES (?, ?)', [Buffer.from('bb', 'hex'), 2]);
    expect(() => c.get('SELECT count(*) AS n FROM d')).toThrow(/no such table: no_such_table/);
    c.abort();
    c.abort(); // twice is harmless
  });

  it('fails to open in a folder that does not exist, with an error rather than a hang', () => {
    const d = tmp();
    const missing = join(d, 'no', 'such', 'folder');
    expect(() => SqlChannel.open(join(missing, 'l.sqlite'), join(missing, 'l.tmp'))).toThrow(/directory does not exist|unable to open/i);
    expect(existsSync(missing)).toBe(false);
    expect(readdirSync(d)).toEqual([]);
  });

  it('refuses an existing file that is not a hash list', () => {
    const d = tmp();
    const other = join(d, 'other.sqlite');
    new Database(other).exec('CREATE TABLE t (x)');
    expect(() => SqlChannel.open(other, null)).toThrow(expect.objectContaining({ code: 'LIST_SCHEMA_MISMATCH' }));
  });
});

describe('SqlChannel with a thread that fails', () => {
  it('fails with an error instead of waiting for ever', () => {
    const d = tmp();
    const broken = join(d, 'broken-thread.mjs');
    writeFileSync(broken, "import 'hashtriage-no-such-module';\n");
    expect(() => SqlChannel.open(join(d, 'l.sqlite'), join(d, 'l.tmp'), { file: broken, startupLimitMs: 300 })).toThrow(/did not start within 0.3 s/);
  });

  it('fails with an error, not a hang, when the thread dies before answering', () => {
    const d = tmp();
    const dying = join(d, 'dying-thread.mjs');
    // Starts as the real thread does (flags it, and flags its exit), then fails without answering.
    writeFileSync(
      dying,
      [
        "import { workerData } from 'node:worker_threads';",
        'const c = new Int32Array(workerData.control);',
        `Atomics.store(c, ${STARTED}, 1);`,
        `process.on('exit', () => { Atomics.store(c, ${STOPPED}, 1); Atomics.notify(c, ${REPLIED}); });`,
        "setTimeout(() => { throw new Error('boom'); }, 20);",
      ].join('\n'),
    );
    expect(() => SqlChannel.open(join(d, 'l.sqlite'), join(d, 'l.tmp'), { file: dying })).toThrow(/SQL thread ended unexpectedly/);
  });
});
