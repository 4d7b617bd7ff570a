/**
 * The case as CASE/UCO JSON-LD (https://caseontology.org), so the matches
 * load into other forensic tools: `hashtriage report --export FILE`.
 *
 * CASE was chosen over DFXML because it can say what this tool knows: not
 * only files and their hashes (both can), but the scan as an investigative
 * action with its tool, examiner and times, the hash-list sources as
 * observables with their own SHA-256, and each match as an annotation that
 * cites both the evidence file and the list source. DFXML has no place for
 * the last three other than free-text comments.
 *
 * The graph, in the shape of the CASE project's published examples (UCO 1.x
 * namespaces, every node with an IRI):
 *
 *   InvestigativeAction "hashtriage scan" ── instrument ──► AnalyticTool hashtriage
 *     │ performer ──► Person (examiner)        startTime / endTime
 *     │ object ──► File (evidence root, directory), File (list database), File (each list source)
 *     └ result ──► ProvenanceRecord ──► File (each matched file)
 *                  Annotation (one per match) ──► [matched File, list-source File(s)]
 *                  File (audit.jsonl) + Annotation (its verification)
 *   File (matched) ── Contained_Within (PathRelationFacet: path below the root) ──► File (evidence root)
 *   Investigation (case id) ──► the action
 *
 * No content: no `dataPayload`, no thumbnail, nothing but names, sizes,
 * hashes and list metadata. IRIs are `urn:uuid:` UUIDv5s derived from the
 * scan's audit chain head, so exporting the same case twice gives the same
 * document.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Algorithm, ListEntry, MatchRecord } from '../types.js';
import { categoryLabel, fileKey, type CaseReport, type SourceProvenance } from './case-report.js';

/** Prefixes of the document's `@context`: CASE 1.x / UCO 1.x namespaces. */
export const CASE_UCO_CONTEXT = Object.freeze({
  kb: 'urn:uuid:',
  'case-investigation': 'https://ontology.caseontology.org/case/investigation/',
  'uco-action': 'https://ontology.unifiedcyberontology.org/uco/action/',
  'uco-core': 'https://ontology.unifiedcyberontology.org/uco/core/',
  'uco-identity': 'https://ontology.unifiedcyberontology.org/uco/identity/',
  'uco-observable': 'https://ontology.unifiedcyberontology.org/uco/observable/',
  'uco-tool': 'https://ontology.unifiedcyberontology.org/uco/tool/',
  'uco-types': 'https://ontology.unifiedcyberontology.org/uco/types/',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
});

/**
 * `uco-types:hashMethod` values. The cryptographic ones are UCO's
 * HashNameVocab spellings; BLAKE3 and the perceptual hashes are not in that
 * vocabulary, and hashMethod accepts a plain string for them.
 */
export const HASH_METHOD: Readonly<Record<Algorithm, string>> = Object.freeze({
  md5: 'MD5',
  sha1: 'SHA1',
  sha256: 'SHA256',
  sha512: 'SHA512',
  blake3: 'BLAKE3',
  ahash: 'aHash',
  dhash: 'dHash',
  phash: 'pHash',
  whash: 'wHash',
  pdq: 'PDQ',
});

/** A JSON-LD node; only what this export writes. */
export type JsonLdNode = { '@id': string; '@type': string | string[] } & Record<string, unknown>;

/** The exported document. */
export interface CaseUcoDocument {
  '@context': typeof CASE_UCO_CONTEXT;
  '@graph': JsonLdNode[];
}

/** Fixed namespace of the UUIDv5s this export mints (RFC 9562 §5.5). */
const NAMESPACE = Buffer.from('6b1f2c7e4d0a5e8f9a3b1c2d3e4f5a6b', 'hex');

function uuid5(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const ref = (id: string) => ({ '@id': id });
const dateTime = (iso: string) => ({ '@type': 'xsd:dateTime', '@value': iso });

function hashNodes(id: (name: string) => string, owner: string, hashes: Partial<Record<string, string>>): JsonLdNode[] {
  return Object.entries(hashes)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([alg, hex]) => ({
      '@id': id(`${owner}/hash/${alg}`),
      '@type': 'uco-types:Hash',
      'uco-types:hashMethod': HASH_METHOD[alg as Algorithm] ?? alg,
      'uco-types:hashValue': { '@type': 'xsd:hexBinary', '@value': hex },
    }));
}

/** A `uco-observable:File` with its FileFacet and, when there are hashes, its ContentDataFacet. */
function fileNode(
  id: (name: string) => string,
  key: string,
  file: { fileName: string; filePath?: string; size?: number; isDirectory?: boolean; hashes?: Partial<Record<string, string>> },
  extra: Record<string, unknown> = {},
): JsonLdNode {
  const facet: Record<string, unknown> = { '@id': id(`${key}/file-facet`), '@type': 'uco-observable:FileFacet', 'uco-observable:fileName': file.fileName };
  if (file.filePath !== undefined) facet['uco-observable:filePath'] = file.filePath;
  if (file.isDirectory !== undefined) facet['uco-observable:isDirectory'] = file.isDirectory;
  if (file.size !== undefined) facet['uco-observable:sizeInBytes'] = file.size;
  const facets: Record<string, unknown>[] = [facet];
  const hashes = hashNodes(id, key, file.hashes ?? {});
  if (hashes.length > 0) {
    const content: Record<string, unknown> = { '@id': id(`${key}/content-data-facet`), '@type': 'uco-observable:ContentDataFacet' };
    if (file.size !== undefined) content['uco-observable:sizeInBytes'] = file.size;
    content['uco-observable:hash'] = hashes;
    facets.push(content);
  }
  return { '@id': id(key), '@type': 'uco-observable:File', ...extra, 'uco-core:hasFacet': facets };
}

function joinPath(root: string, relative: string): string {
  return `${root.replace(/\/+$/, '')}/${relative}`;
}

function entryStatement(e: ListEntry): string {
  const bits = [`source "${e.source}" (${e.role})`];
  const category = categoryLabel(e);
  if (category !== null) bits.push(`category ${category}`);
  if (e.series !== undefined) bits.push(`series "${e.series}"`);
  if (e.name !== undefined) bits.push(`name "${e.name}"`);
  if (e.mediaId !== undefined) bits.push(`media id "${e.mediaId}"`);
  if (e.victimIdentified !== undefined) bits.push(`victim identified: ${e.victimIdentified ? 'yes' : 'no'}`);
  if (e.comment !== undefined) bits.push(`comment "${e.comment}"`);
  return bits.join(', ');
}

function matchTags(m: MatchRecord): string[] {
  const tags = new Set<string>(['hashtriage:match', `match-kind:${m.match.kind}`, `algorithm:${m.match.algorithm}`, `distance:${m.match.distance}`]);
  if (m.match.reducedDecode) tags.add('reduced-decode');
  for (const e of m.entries) {
    tags.add(`source:${e.source}`);
    tags.add(`role:${e.role}`);
    const category = categoryLabel(e);
    if (category !== null) tags.add(`category:${category}`);
    if (e.series !== undefined) tags.add(`series:${e.series}`);
  }
  return [...tags];
}

/**
 * Builds the CASE/UCO JSON-LD document for a case.
 *
 * @param report - from `readCase`.
 * @returns a JSON-LD document with a `@context` and an `@graph`; serialise it with JSON.stringify.
 */
export function buildCaseUco(report: CaseReport): CaseUcoDocument {
  const f = report.facts;
  const seed = `${f.auditChainHead ?? ''}|${f.startedAt}|${f.evidenceRoot}`;
  const id = (name: string) => `kb:${uuid5(`${seed}|${name}`)}`;
  const graph: JsonLdNode[] = [];

  const toolId = id('tool');
  graph.push({
    '@id': toolId,
    '@type': 'uco-tool:AnalyticTool',
    'uco-core:name': f.toolName,
    'uco-tool:version': f.toolVersion,
    'uco-tool:toolType': 'hash list matching (cryptographic and perceptual hashes)',
  });

  let performerId: string | undefined;
  if (f.examiner !== null) {
    performerId = id('examiner');
    graph.push({ '@id': performerId, '@type': 'uco-identity:Person', 'uco-core:name': f.examiner });
  }

  const rootId = id('evidence-root');
  graph.push(fileNode(id, 'evidence-root', { fileName: basename(f.evidenceRoot) || f.evidenceRoot, filePath: f.evidenceRoot, isDirectory: true }, { 'uco-core:description': 'Evidence root scanned read-only' }));

  const listId = id('list');
  graph.push(
    fileNode(id, 'list', { fileName: basename(f.listPath), filePath: f.listPath, hashes: { sha256: f.listSha256 } }, { 'uco-core:description': 'hashtriage hash-list database the scan matched against' }),
  );

  const sourceIds = new Map<string, string>();
  report.sources.forEach((s: SourceProvenance) => {
    const key = `source/${s.name}`;
    sourceIds.set(s.name, id(key));
    const facts = [s.format && `format ${s.format}`, s.role && `role ${s.role}`, s.records !== undefined && `${s.records} records`, s.importedAt && `imported ${s.importedAt}`].filter(Boolean);
    graph.push(
      fileNode(id, key, { fileName: s.fileName ?? s.name, ...(s.sha256 ? { hashes: { sha256: s.sha256 } } : {}) }, {
        'uco-core:name': s.name,
        'uco-core:description': `Hash-list source${facts.length > 0 ? `: ${facts.join(', ')}` : ''}`,
      }),
    );
  });
  // A match may cite a source the provenance did not list (an incomplete audit log): it still gets a node to point at.
  for (const m of report.matches) {
    for (const e of m.record.entries) {
      if (sourceIds.has(e.source)) continue;
      const key = `source/${e.source}`;
      sourceIds.set(e.source, id(key));
      graph.push(fileNode(id, key, { fileName: e.source }, { 'uco-core:name': e.source, 'uco-core:description': 'Hash-list source (no provenance recorded)' }));
    }
  }

  const fileIds = new Map<string, string>();
  for (const { record: m } of report.matches) {
    const fk = fileKey(m);
    if (fileIds.has(fk)) continue;
    const key = `file/${fk}`;
    fileIds.set(fk, id(key));
    const extra: Record<string, unknown> =
      m.pathBytes === undefined ? {} : { 'uco-core:description': `The name is not valid UTF-8: invalid bytes are shown as \\xHH; raw path bytes (base64): ${m.pathBytes}` };
    graph.push(fileNode(id, key, { fileName: m.path.slice(m.path.lastIndexOf('/') + 1), filePath: joinPath(f.evidenceRoot, m.path), size: m.size, hashes: m.hashes }, extra));
    graph.push({
      '@id': id(`${key}/in-root`),
      '@type': 'uco-observable:ObservableRelationship',
      'uco-core:source': ref(id(key)),
      'uco-core:target': ref(rootId),
      'uco-core:kindOfRelationship': 'Contained_Within',
      'uco-core:isDirectional': true,
      'uco-core:hasFacet': [{ '@id': id(`${key}/in-root/path`), '@type': 'uco-observable:PathRelationFacet', 'uco-observable:path': m.path }],
    });
  }

  const annotationIds: string[] = [];
  report.matches.forEach(({ record: m, inAuditLog }, i) => {
    const annotationId = id(`match/${i}`);
    annotationIds.push(annotationId);
    const cited = [...new Set(m.entries.map((e) => sourceIds.get(e.source)!))];
    const how = m.match.kind === 'exact' ? `exact ${m.match.algorithm} match` : `perceptual ${m.match.algorithm} match at Hamming distance ${m.match.distance}`;
    graph.push({
      '@id': annotationId,
      '@type': 'uco-core:Annotation',
      'uco-core:name': `hash-list match ${i + 1}`,
      'uco-core:statement': `${how} of "${m.path}" with hash-list entr${m.entries.length === 1 ? 'y' : 'ies'}: ${m.entries.map(entryStatement).join('; ')}${inAuditLog ? '' : ' (not found in the audit log)'}`,
      'uco-core:tag': matchTags(m),
      'uco-core:object': [ref(fileIds.get(fileKey(m))!), ...cited.map(ref)],
    });
  });

  const auditId = id('audit-log');
  graph.push(
    fileNode(id, 'audit-log', { fileName: 'audit.jsonl', filePath: joinPath(report.caseDir, 'audit.jsonl'), ...(report.audit.sha256 ? { hashes: { sha256: report.audit.sha256 } } : {}) }, {
      'uco-core:description': `hashtriage hash-chained audit log of the scan; chain head ${f.auditChainHead ?? '(none)'}`,
    }),
  );
  const verificationId = id('audit-verification');
  graph.push({
    '@id': verificationId,
    '@type': 'uco-core:Annotation',
    'uco-core:name': 'audit log verification',
    'uco-core:statement': `Audit log verification ${report.audit.ok ? 'passed' : 'FAILED'}: ${report.audit.text}`,
    'uco-core:tag': [report.audit.ok ? 'audit-verification:ok' : 'audit-verification:failed'],
    'uco-core:object': [ref(auditId)],
  });

  const results: string[] = [];
  if (fileIds.size > 0) {
    const provenanceId = id('provenance');
    results.push(provenanceId);
    graph.push({
      '@id': provenanceId,
      '@type': 'case-investigation:ProvenanceRecord',
      'uco-core:description': `Files of the evidence that matched the hash list (${report.matches.length} matches in ${fileIds.size} files)`,
      'uco-core:object': [...fileIds.values()].map(ref),
    });
  }
  results.push(...annotationIds, auditId, verificationId);

  const t = f.totals;
  const actionId = id('scan');
  const action: JsonLdNode = {
    '@id': actionId,
    '@type': 'case-investigation:InvestigativeAction',
    'uco-core:name': 'hashtriage scan',
    'uco-core:description': `Read-only hash-list scan, status ${f.status}${f.resumed ? ' (resumed)' : ''}: ${t.files} files (${t.bytes} bytes) hashed, ${t.matches} matches in ${t.matchedFiles} files, ${t.knownGood} known-good, ${t.skipped} skipped, ${t.errors} with errors`,
    'uco-action:startTime': dateTime(f.startedAt),
    'uco-action:endTime': dateTime(f.finishedAt),
    'uco-action:instrument': ref(toolId),
    'uco-action:object': [ref(rootId), ref(listId), ...[...new Set(report.sources.map((s) => sourceIds.get(s.name)!))].map(ref)],
    'uco-action:result': results.map(ref),
  };
  if (performerId) action['uco-action:performer'] = ref(performerId);
  graph.push(action);

  if (f.caseId !== null) {
    graph.push({ '@id': id('investigation'), '@type': 'case-investigation:Investigation', 'uco-core:name': f.caseId, 'uco-core:object': [ref(actionId)] });
  }
  return { '@context': CASE_UCO_CONTEXT, '@graph': graph };
}

/**
 * The export as text: pretty-printed JSON, ending with a newline.
 *
 * @param report - from `readCase`.
 */
export function caseUcoJson(report: CaseReport): string {
  return `${JSON.stringify(buildCaseUco(report), null, 2)}\n`;
}
