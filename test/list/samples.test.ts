/**
 * Every list file copied from the reference samples imports, and its hashes are found.
 */
import { describe, it, expect } from 'vitest';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lookup } from '../../src/list/index.js';
import { FIXTURES, HELLO, imp, tmp } from './helpers.js';

const S = FIXTURES;
const SYN = join(FIXTURES, 'synthetic');

/** file → [format, role, records, a hash it must contain]. */
const EXPECTED: [string, string, string, number, string][] = [
  [join(S, 'bsd_tag_style__jessek-hashdeep__tests_testfiles_bsd-hashes.txt'), 'bsd', 'notable', 5, 'deadbeefb303ba89ae055ad0234eb7e8'],
  [join(S, 'hashdeep_v1.0__jessek-hashdeep__sample-hashes_hashdeep.txt'), 'hashdeep', 'notable', 3, '2f1cf7a397bb8eed63b225d5d4fd5e2fc71788c8ae12db94147d1f5e227a4118'],
  [join(S, 'hashkeeper_hsh_EXCERPT_first200lines__jessek-hashdeep__Z00236.hsh'), 'hashkeeper', 'notable', 199, '9497ACF3CF8A2E90AE82DAE37B6373E4'],
  [join(S, 'ilook_v3__jessek-hashdeep__sample-hashes_ilookv3.hsh'), 'ilook', 'notable', 5, '2CC793143BBE3BB8A2B9949B53583606885241E1'],
  [join(S, 'ilook_v4__jessek-hashdeep__sample-hashes_ilookv4.hsh'), 'ilook', 'notable', 5, 'B5E254DF3BB37EFCDFD883D69897770A'],
  [join(S, 'md5deep_size_style__jessek-hashdeep__sample-hashes_md5deep-size.txt'), 'md5sum', 'notable', 4, '2662a090fb0d31ae27334a2393ef5240'],
  [join(S, 'md5sum_style__jessek-hashdeep__sample-hashes_md5deep.txt'), 'md5sum', 'notable', 4, 'fd6b1c066a26924224fbf02d876f0d45'],
  [join(S, 'nist_caid_vics1.2_json__vulnmaster-NSRL-CAID-to-UCO-Converter__NSRL-CAID-ART.json'), 'caid', 'known', 1, 'e65706b487c73e992bab2a50707a9fd8b0bd6866'],
  [join(S, 'nsrl_rds1.5_NSRLFile_form1__jessek-hashdeep__sample-hashes_nsrl_NSRL-1.5.txt'), 'nsrl-rds2', 'known', 138, '2193697C470774EA58DA24B3BAC5FCDE'],
  [join(S, 'nsrl_rds2_NSRLFile__jessek-hashdeep__tests_testfiles_nsrlfile.txt'), 'nsrl-rds2', 'known', 2, 'C00002DED6E03A93513D4EA144486B2E33A3AC83'],
  [join(S, 'nsrl_rds2_NSRLFile_form2__jessek-hashdeep__sample-hashes_nsrl_NSRL-2.0.txt'), 'nsrl-rds2', 'known', 138, '0112A29FCA80AA0C3E11BE010A3C920B14429508'],
  [join(S, 'nsrl_rds2_RDS-000001-20', 'NSRLFile.txt'), 'nsrl-rds2', 'known', 138, '00D1034546F530D746131CE2A28A052DB21652EC'],
  [join(SYN, 'synthetic_autopsy_tsk_hashset.kdb'), 'autopsy', 'notable', 4, HELLO.md5],
  [join(SYN, 'synthetic_bsd_tag_sha256.txt'), 'bsd', 'notable', 4, HELLO.sha256],
  [join(SYN, 'synthetic_encase_v6.hash'), 'encase', 'known', 4, HELLO.md5],
  [join(SYN, 'synthetic_hashdeep_md5_sha256.txt'), 'hashdeep', 'notable', 4, HELLO.sha256],
  [join(SYN, 'synthetic_iped_hashdb.db'), 'iped', 'notable', 4, HELLO.sha1],
  [join(SYN, 'synthetic_nsrl_rdsv3_minimal.db'), 'nsrl-rdsv3-minimal', 'known', 4, HELLO.sha256],
  [join(SYN, 'synthetic_sha1sum_binary_mode.txt'), 'sha1sum', 'notable', 4, HELLO.sha1],
  // The escaped "new\nline.txt" line repeats file0.txt's digest: 5 lines, 4 entries, 1 duplicate.
  [join(SYN, 'synthetic_sha256sum.txt'), 'sha256sum', 'notable', 4, HELLO.sha256],
  [join(SYN, 'synthetic_vics_1.3_hashset_Media.json'), 'vics-1.3', 'notable', 1, '591785b794601e212b260e25925636fd'],
  [join(SYN, 'synthetic_vics_2.0_case_Cases.json'), 'vics-2.0', 'notable', 1, HELLO.md5],
  [join(SYN, 'synthetic_vics_2.0_hashset_Media.json'), 'vics-2.0', 'notable', 4, '8035d3c4292a62c9f2f8ba899abcf473'],
];

describe('reference samples', () => {
  it.each(EXPECTED)('%s imports', async (file, format, role, records, hash) => {
    const d = tmp();
    const r = await imp([file], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format, role, records, rejected: 0 });
    const found = lookup(`${d}/l.sqlite`, [hash])[0]!;
    expect(found.found).toBe(true);
  });

  it('covers every list file in the fixtures folder', () => {
    const listed = new Set(EXPECTED.map((e) => e[0]));
    const all = [
      ...readdirSync(S).filter((f) => /\.(txt|hsh|json)$/.test(f) && !f.includes('FILEFORMAT')).map((f) => join(S, f)),
      ...readdirSync(SYN).map((f) => join(SYN, f)),
    ].filter((f) => !f.endsWith('README.md'));
    // The 5 CAID files not listed above are imported all together in the next test.
    const missing = all.filter((f) => !listed.has(f) && !f.includes('NSRL-CAID-'));
    expect(missing).toEqual([]);
  });

  it('imports all NIST CAID files and the whole RDS 2.x set with product names', async () => {
    const d = tmp();
    const caid = readdirSync(S).filter((f) => f.includes('NSRL-CAID-')).map((f) => join(S, f));
    const r = await imp(caid, `${d}/l.sqlite`);
    expect(r.sources.map((s) => s.format)).toEqual(caid.map(() => 'caid'));
    expect(r.records).toBe(1 + 30 + 9 + 3 + 26 + 31);
    const rds = await imp([join(S, 'nsrl_rds2_RDS-000001-20', 'NSRLFile.txt')], `${d}/rds.sqlite`);
    expect(rds.sources[0]!.warnings).toEqual([]);
    expect(lookup(`${d}/rds.sqlite`, ['00D1034546F530D746131CE2A28A052DB21652EC'])[0]!.entries[0]!.comment).toBe('Norton Utilities 2.0 WinNT 4.0');
  });

  it('uses the HashKeeper .hke when it sits beside the .hsh under the same stem', async () => {
    const d = tmp();
    copyFileSync(join(S, 'hashkeeper_hsh_EXCERPT_first200lines__jessek-hashdeep__Z00236.hsh'), join(d, 'Z00236.hsh'));
    copyFileSync(join(S, 'hashkeeper_hke_header__jessek-hashdeep__Z00236.hke'), join(d, 'Z00236.hke'));
    const r = await imp([join(d, 'Z00236.hsh')], `${d}/l.sqlite`);
    // notable_flag 0 in this header: a known-file set.
    expect(r.sources[0]).toMatchObject({ role: 'known', warnings: [] });
  });

  it("refuses an RDS release's version.txt, saying which file to import", async () => {
    const d = tmp();
    await expect(imp([join(S, 'nsrl_rds2_RDS-000001-20', 'version.txt')], `${d}/l.sqlite`)).rejects.toMatchObject({
      code: 'LIST_FORMAT_UNKNOWN',
      message: expect.stringMatching(/NSRL RDS version file .*import NSRLFile\.txt/),
    });
    expect(existsSync(`${d}/l.sqlite`)).toBe(false);
  });

  it('refuses documentation that is not a list', async () => {
    const d = tmp();
    await expect(imp([join(S, 'hashdeep_FILEFORMAT_spec__jessek-hashdeep__FILEFORMAT.txt')], `${d}/l.sqlite`)).rejects.toMatchObject({ code: 'LIST_FORMAT_UNKNOWN' });
    await expect(imp([join(S, 'nsrl_rdsv3_MINIMAL_2026.09.1.schema__cybagard-nsrllookup.sql')], `${d}/l.sqlite`)).rejects.toMatchObject({ code: 'LIST_FORMAT_UNKNOWN' });
  });
});
