/**
 * Every format imports from a file the test generates following the documented
 * layout (docs/hashlist.md), and lookups find its hashes with their metadata.
 */
import { describe, it, expect } from 'vitest';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listInfo, lookup, openHashList } from '../../src/list/index.js';
import { FIXTURES, HELLO, WORLD, imp, put, tmp } from './helpers.js';

const PDNA = Buffer.alloc(144, 7).toString('base64');

describe('format import', () => {
  it('NSRL RDSv3 minimal, built from the NIST DDL', async () => {
    const d = tmp();
    const db = new Database(`${d}/RDS_minimal.db`);
    db.exec(readFileSync(join(FIXTURES, 'nsrl_rdsv3_MINIMAL_2026.09.1.schema__cybagard-nsrllookup.sql'), 'utf8'));
    db.prepare('INSERT INTO FILE VALUES (?, ?, ?, ?, ?, ?, ?)').run(HELLO.sha256.toUpperCase(), HELLO.sha1.toUpperCase(), HELLO.md5.toUpperCase(), '363A3020', 'hello.txt', 6, 7);
    db.prepare('INSERT INTO PKG VALUES (7, ?, ?, 1, 1, ?, ?)').run('Editor', '2.1', 'English', 'Utility');
    db.close();
    const r = await imp([`${d}/RDS_minimal.db`], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format: 'nsrl-rdsv3-minimal', role: 'known', records: 1 });
    expect(lookup(`${d}/l.sqlite`, [HELLO.sha256])[0]!.entries[0]).toMatchObject({ role: 'known', name: 'hello.txt', size: 6, comment: 'Editor 2.1 (package 7)' });
  });

  it('NSRL RDSv3 full, read from METADATA and PACKAGE_OBJECT, never through its views', async () => {
    const d = tmp();
    const db = new Database(`${d}/RDS_full.db`);
    db.exec(readFileSync(join(FIXTURES, 'nsrl_rdsv3_FULL_curated_2021.12.2.schema__patatetom-rds4xways.sql'), 'utf8'));
    // One row per table is enough here; the DDL's foreign keys would want the whole graph.
    db.pragma('foreign_keys = OFF');
    db.exec('INSERT INTO PACKAGE_OBJECT (package_object_id, package_id, object_id) VALUES (1, 42, 900)');
    db.prepare(
      `INSERT INTO METADATA (metadata_id, object_id, key_hash, path, file_name, extension, bytes, crc32, md5, sha1, sha256)
       VALUES (1, 900, 'k', '/p', 'world', 'txt', 6, '00', ?, ?, ?)`,
    ).run(WORLD.md5, WORLD.sha1, WORLD.sha256);
    // A hostile view would run only if the importer read through views.
    db.exec("DROP VIEW FILE; CREATE VIEW FILE AS SELECT 'x' AS sha256, 'x' AS sha1, 'x' AS md5, 'evil' AS file_name, 0 AS file_size, 0 AS package_id");
    db.close();
    const r = await imp([`${d}/RDS_full.db`], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format: 'nsrl-rdsv3-full', role: 'known', records: 1 });
    expect(lookup(`${d}/l.sqlite`, [WORLD.sha1])[0]!.entries[0]).toMatchObject({ name: 'world.txt', size: 6, comment: 'package 42' });
  });

  it('NSRL RDS 2.x NSRLFile.txt with NSRLProd.txt beside it', async () => {
    const d = tmp();
    put(d, 'NSRLProd.txt', '"ProductCode","ProductName","ProductVersion","OpSystemCode","MfgCode","Language","ApplicationType"\r\n12,"Office, Pro","9","WIN","MS","English","Office"\r\n');
    const f = put(
      d,
      'NSRLFile.txt',
      `"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\r\n"${HELLO.sha1.toUpperCase()}","${HELLO.md5.toUpperCase()}","363A3020","hello, world.txt",6,12,"WIN",""\r\n`,
    );
    const r = await imp([f], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format: 'nsrl-rds2', role: 'known', records: 1, warnings: [] });
    expect(lookup(`${d}/l.sqlite`, [HELLO.md5])[0]!.entries[0]).toMatchObject({ name: 'hello, world.txt', size: 6, comment: 'Office, Pro 9' });
  });

  it('VICS 2.0 hash set with values that arrive as strings, AlternativeHashes and PhotoDNA', async () => {
    const d = tmp();
    const doc = {
      '@odata.context': 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media',
      value: [
        {
          MediaID: '17',
          Category: '1',
          MD5: HELLO.md5.toUpperCase(),
          SHA1: HELLO.sha1,
          VictimIdentified: 'true',
          Series: 'Series X',
          MediaSize: '6',
          IsPrecategorized: 'true',
          PhotoDNA: PDNA,
          AlternativeHashes: [{ MD5: HELLO.md5, HashName: 'SHA256', HashValue: HELLO.sha256 }, { HashName: 'EDK', HashValue: '00' }],
          MediaFiles: [{ FileName: 'img.jpg', FilePath: 'C:\\x' }],
        },
        { MediaID: 18, Category: 2, MD5: WORLD.md5, VictimIdentified: false, MediaSize: 6, IsPrecategorized: false },
      ],
    };
    const r = await imp([put(d, 'set.json', JSON.stringify(doc, null, 2))], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format: 'vics-2.0', role: 'notable', records: 2 });
    const [a, b] = lookup(`${d}/l.sqlite`, [HELLO.sha256, WORLD.md5]);
    expect(a!.entries[0]).toEqual({
      source: 'set.json',
      role: 'notable',
      category: '1',
      categoryRegion: 'UK',
      series: 'Series X',
      victimIdentified: true,
      mediaId: '17',
      name: 'img.jpg',
      size: 6,
      algorithm: 'sha256',
    });
    expect(b!.entries[0]).toMatchObject({ category: '2', victimIdentified: false, mediaId: '18' });
    const db = new Database(`${d}/l.sqlite`, { readonly: true });
    expect((db.prepare('SELECT photodna FROM entries WHERE photodna IS NOT NULL').get() as { photodna: Buffer }).photodna.length).toBe(144);
    db.close();
  });

  it('VICS 2.0 case export streams the Media inside each case', async () => {
    const d = tmp();
    const doc = {
      '@odata.context': 'http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases',
      value: [
        { CaseID: 'c1', CaseNumber: '1', Media: [{ MD5: HELLO.md5, Category: 0, MediaID: 1, IsPrecategorized: false }] },
        { CaseID: 'c2', CaseNumber: '2', Media: [{ MD5: WORLD.md5, Category: 3, MediaID: 2, IsPrecategorized: false }] },
      ],
    };
    await imp([put(d, 'case.json', JSON.stringify(doc))], `${d}/l.sqlite`);
    expect(lookup(`${d}/l.sqlite`, [HELLO.md5, WORLD.md5]).map((x) => x.entries[0]?.category)).toEqual(['0', '3']);
  });

  it('VICS 1.3 with PhotoDNA in AlternativeHashes, and NIST CAID (VICS 1.2) as known', async () => {
    const d = tmp();
    const v13 = `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media","value":[{"odata.id":"Media(\\"x\\")","MD5":"${HELLO.md5}","Category":1,"IsDistributed":"true","AlternativeHashes":[{"HashName":"PhotoDNA","HashValue":"${PDNA}"}]}]}`;
    const caid = `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media","value":[{"MediaID":0,"MD5":"${WORLD.md5}","SHA1":"${WORLD.sha1}","Category":8,"MediaSize":"6","MediaFiles":[{"MD5":"${WORLD.md5}","FileName":"w.txt","FilePath":"p"}]}]}`;
    const r = await imp([put(d, 'v13.json', v13), put(d, 'caid.json', caid)], `${d}/l.sqlite`);
    expect(r.sources.map((s) => [s.format, s.role])).toEqual([
      ['vics-1.3', 'notable'],
      ['caid', 'known'],
    ]);
    expect(lookup(`${d}/l.sqlite`, [WORLD.sha1])[0]!.entries[0]).toMatchObject({ role: 'known', name: 'w.txt', size: 6, category: '8' });
  });

  it('a VICS 1.2 Media file that is not NIST CAID (first record not Category 8) is read as VICS, notable, never known', async () => {
    const d = tmp();
    const head = '{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media","value":[';
    const cat1 = `${head}{"MediaID":4,"MD5":"${HELLO.md5}","Category":"1"},{"MediaID":5,"MD5":"${WORLD.md5}","Category":8}]}`;
    const none = `${head}{"MediaID":6,"MD5":"${WORLD.md5}"}]}`;
    const r = await imp([put(d, 'cat1.json', cat1), put(d, 'none.json', none)], `${d}/l.sqlite`);
    expect(r.sources.map((s) => [s.format, s.role])).toEqual([
      ['vics-1.2', 'notable'],
      ['vics-1.2', 'notable'],
    ]);
    // Forcing the format still gives CAID's known role, for whoever means it.
    const forced = await imp([put(d, 'cat1b.json', cat1.replace('"MediaID":4', '"MediaID":7'))], `${d}/f.sqlite`, { format: 'caid' });
    expect(forced.sources[0]).toMatchObject({ format: 'caid', role: 'known' });
  });

  it('INTERPOL ICSE CSV (semicolons, y/n flags)', async () => {
    const d = tmp();
    const f = put(
      d,
      'icse.csv',
      `MD5;SHA1;PhotoDNA;Image ID;Is distributed;Victim identified;Offender identified;Series name;Number of submissions;File Available;Media Type;Baseline\n${HELLO.md5};${HELLO.sha1};;4711;y;yes;n;Blue;3;t;image;y\n`,
    );
    const r = await imp([f], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format: 'icse', role: 'notable', records: 1 });
    expect(lookup(`${d}/l.sqlite`, [HELLO.sha1])[0]!.entries[0]).toMatchObject({ mediaId: '4711', victimIdentified: true, series: 'Blue', category: 'baseline', categoryRegion: 'ICSE' });
  });

  it('hashdeep with md5,sha1,sha256 and a comma in a file name', async () => {
    const d = tmp();
    const f = put(d, 'hd.txt', `%%%% HASHDEEP-1.0\n%%%% size,md5,sha1,sha256,filename\n## comment\n6,${HELLO.md5},${HELLO.sha1},${HELLO.sha256},/a/b,c.txt\n`);
    const r = await imp([f], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format: 'hashdeep', records: 1 });
    expect(lookup(`${d}/l.sqlite`, [HELLO.sha1])[0]!.entries[0]).toMatchObject({ name: '/a/b,c.txt', size: 6 });
  });

  it('EnCase .hash (binary), its category giving the role; a truncated one is refused', async () => {
    const d = tmp();
    const make = (count: number, entries: string[]): Buffer => {
      const b = Buffer.alloc(0x480 + entries.length * 18);
      Buffer.from([0x48, 0x41, 0x53, 0x48, 0x0d, 0x0a, 0xff, 0x00]).copy(b, 0);
      b.writeUInt32LE(2, 8);
      b.writeUInt32LE(1, 12);
      b.writeUInt32LE(count, 16);
      b.write('My Set', 0x408, 'utf16le');
      b.write('Notable', 0x458, 'utf16le');
      entries.forEach((h, i) => Buffer.from(h, 'hex').copy(b, 0x480 + i * 18));
      return b;
    };
    const r = await imp([put(d, 'set.hash', make(2, [HELLO.md5, WORLD.md5]))], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format: 'encase', role: 'notable', records: 2 });
    expect(lookup(`${d}/l.sqlite`, [WORLD.md5])[0]!.found).toBe(true);
    await expect(imp([put(d, 'short.hash', make(3, [HELLO.md5]))], `${d}/x.sqlite`)).rejects.toMatchObject({ code: 'LIST_MALFORMED', message: expect.stringContaining('short.hash: record 2: truncated') });
  });

  it('HashKeeper .hsh with its .hke header (set name, notable flag)', async () => {
    const d = tmp();
    put(d, 'Z1.hke', '"hashset_id","name","vendor","package","version","authenicated_flag","notable_flag","initials","num_of_files","description","date_loaded"\r\n1,"Set Z","V","P","1",1,1,"ab",1,"d",2/22/02 13:41:29\r\n');
    const f = put(d, 'Z1.hsh', `"file_id","hashset_id","file_name","directory","hash","file_size","date_modified","time_modified","time_zone","comments","date_accessed","time_accessed"\r\n1,1,"hello.txt",,"${HELLO.md5.toUpperCase()}",6,,,,"a comment",,\r\n`);
    const r = await imp([f], `${d}/l.sqlite`, { name: 'hk' });
    expect(r.sources[0]).toMatchObject({ format: 'hashkeeper', role: 'notable', records: 1, warnings: [] });
    expect(lookup(`${d}/l.sqlite`, [HELLO.md5])[0]!.entries[0]).toMatchObject({ name: 'hello.txt', size: 6, comment: 'a comment', role: 'notable' });
    put(d, 'Z2.hke', '"hashset_id","name","notable_flag"\n2,"Known set",0\n');
    const k = put(d, 'Z2.hsh', `"file_id","hashset_id","file_name","directory","hash","file_size"\n1,2,"w",,"${WORLD.md5}",6\n`);
    const r2 = await imp([k], `${d}/l.sqlite`);
    expect(r2.sources[0]!.role).toBe('known');
    expect(lookup(`${d}/l.sqlite`, [WORLD.md5])[0]!.entries[0]!.role).toBe('known');
  });

  it('Autopsy/TSK .kdb built from the TSK DDL', async () => {
    const d = tmp();
    const db = new Database(`${d}/set.kdb`);
    db.exec(`CREATE TABLE db_properties (name TEXT NOT NULL, value TEXT);
      CREATE TABLE hashes (id INTEGER PRIMARY KEY AUTOINCREMENT, md5 BINARY(16) UNIQUE, sha1 BINARY(20), sha2_256 BINARY(32));
      CREATE TABLE file_names (name TEXT NOT NULL, hash_id INTEGER NOT NULL, PRIMARY KEY(name, hash_id));
      CREATE TABLE comments (comment TEXT NOT NULL, hash_id INTEGER NOT NULL, PRIMARY KEY(comment, hash_id));
      CREATE INDEX md5_index ON hashes(md5);
      INSERT INTO db_properties VALUES ('Schema Version', '1');`);
    db.prepare('INSERT INTO hashes (md5) VALUES (?)').run(Buffer.from(HELLO.md5, 'hex'));
    db.exec("INSERT INTO file_names VALUES ('hello.txt', 1); INSERT INTO comments VALUES ('seen', 1)");
    db.close();
    const r = await imp([`${d}/set.kdb`], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format: 'autopsy', records: 1 });
    expect(lookup(`${d}/l.sqlite`, [HELLO.md5])[0]!.entries[0]).toMatchObject({ name: 'hello.txt', comment: 'seen' });
  });

  it('IPED hash database: status gives each entry its role', async () => {
    const d = tmp();
    const db = new Database(`${d}/iped.db`);
    db.exec(`create table HASHES (HASH_ID integer primary key, MD5 blob, SHA1 blob, SHA256 blob, SHA512 blob, EDONKEY blob);
      create table HASHES_PROPERTIES (HASH_ID integer, PROPERTY_ID integer, VALUE text NOT NULL, primary key (HASH_ID, PROPERTY_ID));
      create table PROPERTIES (PROPERTY_ID integer, PROPERTY_NAME text NOT NULL, primary key (PROPERTY_ID));
      insert into PROPERTIES values (1, 'set'), (2, 'status'), (3, 'vicCategory'), (4, 'vicSeries');`);
    const ins = db.prepare('insert into HASHES (HASH_ID, MD5, SHA1) values (?, ?, ?)');
    ins.run(1, Buffer.from(HELLO.md5, 'hex'), Buffer.from(HELLO.sha1, 'hex'));
    ins.run(2, Buffer.from(WORLD.md5, 'hex'), null);
    db.exec("insert into HASHES_PROPERTIES values (1, 1, 'ProjectVIC'), (1, 2, 'pedo'), (1, 3, '1'), (1, 4, 'S'), (2, 1, 'NSRL'), (2, 2, 'known')");
    db.close();
    await imp([`${d}/iped.db`], `${d}/l.sqlite`);
    const [a, b] = lookup(`${d}/l.sqlite`, [HELLO.sha1, WORLD.md5]);
    expect(a!.entries[0]).toMatchObject({ role: 'notable', category: '1', series: 'S', comment: 'ProjectVIC' });
    expect(b!.entries[0]).toMatchObject({ role: 'known', comment: 'NSRL' });
    expect(listInfo(`${d}/l.sqlite`).roles).toEqual({ notable: 1, known: 1 });
  });

  it('generic CSV and TSV naming their columns, with perceptual values', async () => {
    const d = tmp();
    const f = put(d, 'g.csv', `SHA-256,pHash,dHash,Name,Size,Category,Series,Comment\n${HELLO.sha256},ba8c84536bd3c366,,"a, b.jpg",6,2,S,"said ""hi"""\n`);
    await imp([f], `${d}/l.sqlite`);
    expect(lookup(`${d}/l.sqlite`, ['phash:BA8C84536BD3C366'])[0]!.entries[0]).toMatchObject({ name: 'a, b.jpg', comment: 'said "hi"', category: '2', algorithm: 'phash' });
    const t = put(d, 'g.tsv', `blake3\tname\n${WORLD.sha256}\tw\n`);
    await imp([t], `${d}/l.sqlite`);
    const h = openHashList(`${d}/l.sqlite`);
    expect(h.lookupExact('blake3', Buffer.from(WORLD.sha256, 'hex'))[0]!.name).toBe('w');
    h.close();
  });

  it('a header naming no hash column is refused', async () => {
    const d = tmp();
    await expect(imp([put(d, 'x.csv', 'md5,name\nnot-a-hash,x\n')], `${d}/l.sqlite`)).rejects.toMatchObject({ code: 'LIST_MALFORMED' });
    await expect(imp([put(d, 'y.csv', 'foo,bar\n1,2\n')], `${d}/m.sqlite`, { format: 'csv' })).rejects.toMatchObject({ code: 'LIST_MALFORMED', message: expect.stringContaining('no hash column') });
  });
});
