import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCase } from '../../src/report/case-report.js';
import { buildCaseUco, caseUcoJson, CASE_UCO_CONTEXT, type JsonLdNode } from '../../src/report/export-case-uco.js';
import { MATCHES, makeCase, SOURCES, type FixtureCase } from './case-fixture.js';

const cases: FixtureCase[] = [];
afterAll(() => cases.forEach((c) => c.cleanup()));
function fixture(...args: Parameters<typeof makeCase>): FixtureCase {
  const c = makeCase(...args);
  cases.push(c);
  return c;
}

type Node = JsonLdNode & Record<string, any>;

/** Every object with an @id anywhere in the document (nodes, facets, hashes). */
function identified(value: unknown, out: Node[] = []): Node[] {
  if (Array.isArray(value)) value.forEach((v) => identified(v, out));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o['@id'] === 'string' && Object.keys(o).length > 1) out.push(o as Node);
    Object.values(o).forEach((v) => identified(v, out));
  }
  return out;
}

/** Every bare reference ({"@id": x} and nothing else). */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o['@id'] === 'string') out.push(o['@id']);
    else Object.values(o).forEach((v) => references(v, out));
  }
  return out;
}

function keysAndTypes(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysAndTypes(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k !== '@context') out.add(k);
      if (k === '@type') [v].flat().forEach((t) => out.add(String(t)));
      if (k !== '@context') keysAndTypes(v, out);
    }
  }
  return out;
}

const typeOf = (n: Node) => [n['@type']].flat();

describe('buildCaseUco', () => {
  const c = fixture();
  const report = readCase(c.caseDir);
  const text = caseUcoJson(report);
  const doc = JSON.parse(text) as { '@context': Record<string, string>; '@graph': Node[] };
  const graph = doc['@graph'];
  const nodes = identified(doc);
  const byId = new Map(nodes.map((n) => [n['@id'], n]));
  const ofType = (t: string) => graph.filter((n) => typeOf(n).includes(t));

  it('is JSON-LD with a @context defining every prefix it uses', () => {
    expect(doc['@context']).toEqual(CASE_UCO_CONTEXT);
    for (const term of keysAndTypes(doc)) {
      if (term.startsWith('@')) continue;
      const prefix = term.slice(0, term.indexOf(':'));
      expect(doc['@context'], term).toHaveProperty(prefix);
    }
    for (const n of nodes) expect(n['@id']).toMatch(/^kb:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives every node a unique IRI and resolves every reference', () => {
    expect(new Set(nodes.map((n) => n['@id'])).size).toBe(nodes.length);
    const refs = references(graph);
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) expect(byId.has(r), r).toBe(true);
  });

  it('has the expected @types, in the expected numbers', () => {
    const count = (t: string) => ofType(t).length;
    expect(count('case-investigation:InvestigativeAction')).toBe(1);
    expect(count('case-investigation:Investigation')).toBe(1);
    expect(count('case-investigation:ProvenanceRecord')).toBe(1);
    expect(count('uco-tool:AnalyticTool')).toBe(1);
    expect(count('uco-identity:Person')).toBe(1);
    // evidence root + list database + 3 sources + 4 matched files + audit log
    expect(count('uco-observable:File')).toBe(10);
    // one per match, and the audit verification
    expect(count('uco-core:Annotation')).toBe(MATCHES.length + 1);
    expect(count('uco-observable:ObservableRelationship')).toBe(4);
  });

  it('describes the scan as an investigative action with tool, performer and times', () => {
    const action = ofType('case-investigation:InvestigativeAction')[0]!;
    expect(action['uco-action:startTime']).toEqual({ '@type': 'xsd:dateTime', '@value': '2025-02-01T09:00:00.000Z' });
    expect(action['uco-action:endTime']).toEqual({ '@type': 'xsd:dateTime', '@value': '2025-02-01T09:00:04.000Z' });
    const tool = byId.get(action['uco-action:instrument']['@id'])!;
    expect([tool['uco-core:name'], tool['uco-tool:version']]).toEqual(['hashtriage', '0.1.0']);
    expect(byId.get(action['uco-action:performer']['@id'])!['uco-core:name']).toBe('J. Doe');
    const objects = action['uco-action:object'].map((r: { '@id': string }) => byId.get(r['@id'])!);
    expect(objects.map((o: Node) => o['uco-core:hasFacet'][0]['uco-observable:filePath'] ?? o['uco-core:name'])).toEqual([
      c.evidence,
      join(c.base, 'list.sqlite'),
      ...SOURCES.map((s) => s.name),
    ]);
    const results = new Set(action['uco-action:result'].map((r: { '@id': string }) => r['@id']));
    for (const a of ofType('uco-core:Annotation')) expect(results.has(a['@id'])).toBe(true);
    const investigation = ofType('case-investigation:Investigation')[0]!;
    expect(investigation['uco-core:name']).toBe('CASE-7');
    expect(investigation['uco-core:object']).toEqual([{ '@id': action['@id'] }]);
  });

  it('gives each list source its file name and SHA-256', () => {
    for (const s of SOURCES) {
      const node = graph.find((n) => n['uco-core:name'] === s.name)!;
      const [fileFacet, content] = node['uco-core:hasFacet'];
      expect(fileFacet['uco-observable:fileName']).toBe(s.fileName);
      expect(content['uco-observable:hash']).toEqual([expect.objectContaining({ '@type': 'uco-types:Hash', 'uco-types:hashMethod': 'SHA256', 'uco-types:hashValue': { '@type': 'xsd:hexBinary', '@value': s.sha256 } })]);
      expect(node['uco-core:description']).toContain(`role ${s.role}, ${s.records} records`);
    }
  });

  it('has every match as an annotation citing the matched file and the list sources of its entries', () => {
    const annotations = ofType('uco-core:Annotation').filter((a) => a['uco-core:tag'].includes('hashtriage:match'));
    expect(annotations).toHaveLength(MATCHES.length);
    MATCHES.forEach((m, i) => {
      const a = annotations[i]!;
      const [file, ...sources] = a['uco-core:object'].map((r: { '@id': string }) => byId.get(r['@id'])!);
      const [fileFacet, content] = file['uco-core:hasFacet'];
      expect(fileFacet['@type']).toBe('uco-observable:FileFacet');
      expect(fileFacet['uco-observable:filePath']).toBe(`${c.evidence}/${m.path}`);
      expect(fileFacet['uco-observable:fileName']).toBe(m.path.slice(m.path.lastIndexOf('/') + 1));
      expect(fileFacet['uco-observable:sizeInBytes']).toBe(m.size);
      expect(content['@type']).toBe('uco-observable:ContentDataFacet');
      const hashes = Object.fromEntries(content['uco-observable:hash'].map((h: Node) => [h['uco-types:hashMethod'], h['uco-types:hashValue']['@value']]));
      expect(hashes[m.match.algorithm === 'pdq' ? 'PDQ' : m.match.algorithm.toUpperCase()]).toBe(m.hashes[m.match.algorithm]);
      expect(sources.map((s: Node) => s['uco-core:name'])).toEqual([...new Set(m.entries.map((e) => e.source))]);
      expect(a['uco-core:tag']).toEqual(expect.arrayContaining([`match-kind:${m.match.kind}`, `algorithm:${m.match.algorithm}`, `distance:${m.match.distance}`]));
      for (const e of m.entries) {
        expect(a['uco-core:tag']).toContain(`source:${e.source}`);
        if (e.category) expect(a['uco-core:tag']).toContain(`category:${e.category}`);
      }
    });
    expect(annotations[0]!['uco-core:statement']).toBe(
      'exact sha256 match of "a/one.jpg" with hash-list entries: source "VICS export" (notable), category 1, series "S1", media id "M-1"; source "CAID" (notable), category 1',
    );
    expect(annotations[1]!['uco-core:statement']).toMatch(/^perceptual pdq match at Hamming distance 12 of "a\/one\.jpg"/);
  });

  it('places each matched file in the evidence root with its relative path', () => {
    const root = graph.find((n) => n['uco-core:description'] === 'Evidence root scanned read-only')!;
    const rels = ofType('uco-observable:ObservableRelationship');
    expect(rels.every((r) => r['uco-core:target']['@id'] === root['@id'] && r['uco-core:kindOfRelationship'] === 'Contained_Within')).toBe(true);
    expect(rels.map((r) => r['uco-core:hasFacet'][0]['uco-observable:path']).sort()).toEqual([...new Set(MATCHES.map((m) => m.path))].sort());
    const odd = graph.find((n) => n['uco-core:hasFacet']?.[0]?.['uco-observable:fileName'] === '\\xff.jpg')!;
    expect(odd['uco-core:description']).toContain(`raw path bytes (base64): ${MATCHES[4]!.pathBytes}`);
  });

  it('states the audit verification and cites the audit log by SHA-256', () => {
    const v = graph.find((n) => n['uco-core:name'] === 'audit log verification')!;
    expect(v['uco-core:statement']).toMatch(/^Audit log verification passed: OK: 8 records/);
    const log = byId.get(v['uco-core:object'][0]['@id'])!;
    expect(log['uco-core:hasFacet'][1]['uco-observable:hash'][0]['uco-types:hashValue']['@value']).toBe(report.audit.sha256);
  });

  it('carries no content: no payload, no base64 but the raw name bytes', () => {
    expect(text).not.toMatch(/dataPayload|thumbnail/i);
    const runs = [...text.matchAll(/[A-Za-z0-9+/]{24,}={0,2}/g)].map((m) => m[0]);
    expect(runs.filter((r) => !/^[0-9a-f]+$/.test(r))).toEqual([]);
  });

  it('is reproducible, and distinct per scan', () => {
    expect(caseUcoJson(readCase(c.caseDir))).toBe(text);
    const other = buildCaseUco(readCase(fixture().caseDir));
    expect(other['@graph'][0]!['@id']).not.toBe(graph[0]!['@id']);
  });
});

describe('buildCaseUco, other cases', () => {
  it('states a FAILED verification when the audit log was altered', () => {
    const c = fixture();
    const path = join(c.caseDir, 'audit.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"size":4000', '"size":4001'));
    const doc = buildCaseUco(readCase(c.caseDir));
    const v = doc['@graph'].find((n) => n['uco-core:name'] === 'audit log verification')!;
    expect(v['uco-core:statement']).toMatch(/^Audit log verification FAILED: FAILED at line 6 \(record 6\): hash mismatch/);
    expect(v['uco-core:tag']).toEqual(['audit-verification:failed']);
  });

  it('leaves out the person and investigation when no examiner or case id was given, and has no provenance record without matches', () => {
    const c = fixture([], { caseId: null, examiner: null });
    const doc = buildCaseUco(readCase(c.caseDir));
    const types = doc['@graph'].flatMap((n) => [n['@type']].flat());
    expect(types).not.toContain('uco-identity:Person');
    expect(types).not.toContain('case-investigation:Investigation');
    expect(types).not.toContain('case-investigation:ProvenanceRecord');
    const action = doc['@graph'].find((n) => n['@type'] === 'case-investigation:InvestigativeAction')!;
    expect(action).not.toHaveProperty('uco-action:performer');
    expect(action['uco-action:result']).toHaveLength(2);
  });
});
