import { describe, it, expect, afterAll } from 'vitest';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, type AuditRecord } from '../../src/report/audit.js';
import { recordHash, verifyAuditLog } from '../../src/report/verify.js';
import { canonicalJson } from '../../src/report/canonical.js';
import {
  checkHeadSignature,
  keyId,
  loadSigningKey,
  loadVerifyKey,
  signHead,
  signatureMessage,
} from '../../src/report/sign.js';
import { HashtriageError } from '../../src/errors.js';

const PRIVATE = fs.readFileSync('test/fixtures/audit/test-ed25519-private.pem', 'utf8');
const PUBLIC = fs.readFileSync('test/fixtures/audit/test-ed25519-public.pem', 'utf8');
const OTHER_PUBLIC = fs.readFileSync('test/fixtures/audit/other-ed25519-public.pem', 'utf8');
const OTHER_PRIVATE = fs.readFileSync('test/fixtures/audit/other-ed25519-private.pem', 'utf8');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function signedLog(signKeyPem: string | null = PRIVATE): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'ht-sign-'));
  dirs.push(dir);
  const path = join(dir, 'audit.jsonl');
  const log = AuditLog.create(path, { fsync: false });
  log.append('scan_start', { caseId: 'C-1' });
  log.append('match', { path: 'a.jpg' });
  log.close({ totals: { matches: 1 } }, signKeyPem === null ? {} : { signKeyPem });
  return path;
}

function lines(path: string): string[] {
  return fs.readFileSync(path, 'utf8').split('\n').slice(0, -1);
}

function caught(fn: () => unknown): HashtriageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HashtriageError);
    return err as HashtriageError;
  }
  throw new Error('expected a HashtriageError');
}

describe('signHead and checkHeadSignature', () => {
  const head = 'ab'.repeat(32);

  it('signs the prefixed hex head with Ed25519, checkable by plain node:crypto', () => {
    const sig = signHead(head, loadSigningKey(PRIVATE));
    expect(sig.alg).toBe('Ed25519');
    expect(Buffer.from(sig.value, 'base64')).toHaveLength(64);
    expect(signatureMessage(head).toString('ascii')).toBe(`hashtriage-audit-v1:${head}`);
    expect(verify(null, Buffer.from(`hashtriage-audit-v1:${head}`), loadVerifyKey(PUBLIC), Buffer.from(sig.value, 'base64'))).toBe(true);
    // Ed25519 is deterministic: the same key and head give the same signature.
    expect(signHead(head, loadSigningKey(PRIVATE))).toEqual(sig);
  });

  it('identifies the key by the SHA-256 of its SPKI DER, the same from either half', () => {
    const der = loadVerifyKey(PUBLIC).export({ type: 'spki', format: 'der' });
    const expected = createHash('sha256').update(der).digest('hex');
    expect(keyId(loadVerifyKey(PUBLIC))).toBe(expected);
    expect(keyId(loadSigningKey(PRIVATE))).toBe(expected);
    expect(signHead(head, loadSigningKey(PRIVATE)).keyId).toBe(expected);
    expect(keyId(loadVerifyKey(OTHER_PUBLIC))).not.toBe(expected);
  });

  it('says why a signature does not check', () => {
    const sig = signHead(head, loadSigningKey(PRIVATE));
    const pub = loadVerifyKey(PUBLIC);
    expect(checkHeadSignature(head, sig, pub)).toEqual({ valid: true });
    expect(checkHeadSignature('cd'.repeat(32), sig, pub)).toEqual({ valid: false, reason: 'the signature does not match the chain head' });
    expect(checkHeadSignature(head, { ...sig, alg: 'RSA' }, pub)).toEqual({ valid: false, reason: 'the signature member is malformed' });
    expect(checkHeadSignature(head, null, pub)).toEqual({ valid: false, reason: 'the signature member is malformed' });
    expect(checkHeadSignature(head, { ...sig, value: 'AAAA' }, pub)).toEqual({
      valid: false,
      reason: 'the signature value is not 64 bytes of base64',
    });
    const other = loadVerifyKey(OTHER_PUBLIC);
    expect(checkHeadSignature(head, sig, other)).toEqual({
      valid: false,
      reason: `signed by another key (keyId ${sig.keyId}, expected ${keyId(other)})`,
    });
    // A signature by the other key, relabelled with the right keyId, still fails.
    const forged = { ...signHead(head, loadSigningKey(OTHER_PRIVATE)), keyId: sig.keyId };
    expect(checkHeadSignature(head, forged, pub)).toEqual({ valid: false, reason: 'the signature does not match the chain head' });
  });

  it('refuses keys that are not Ed25519, or not keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wrongType = caught(() => loadSigningKey(rsaPem));
    expect(wrongType.code).toBe('AUDIT_KEY_INVALID');
    expect(wrongType.exitCode).toBe(3);
    expect(wrongType.message).toBe('Expected an Ed25519 private key (PEM) for --sign-key but received a rsa key');
    expect(caught(() => loadVerifyKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }))).message).toBe(
      'Expected an Ed25519 public key (PEM) for --pub-key but received a rsa key',
    );
    expect(caught(() => loadSigningKey('not a key')).message).toMatch(/^Expected an unencrypted Ed25519 private key \(PEM\) for --sign-key: /);
    expect(caught(() => loadSigningKey(PUBLIC)).code).toBe('AUDIT_KEY_INVALID');
    expect(caught(() => signHead('ab'.repeat(32), loadVerifyKey(PUBLIC))).code).toBe('AUDIT_KEY_INVALID');
  });
});

describe('signed audit logs', () => {
  it('verify as valid with the right public key (or the private key PEM)', () => {
    const path = signedLog();
    const closing = JSON.parse(lines(path)[2]) as AuditRecord;
    expect(closing.signature?.keyId).toBe(keyId(loadVerifyKey(PUBLIC)));
    expect(verifyAuditLog(path, { publicKeyPem: PUBLIC })).toMatchObject({ ok: true, signature: 'valid', head: closing.hash });
    expect(verifyAuditLog(path, { publicKeyPem: PRIVATE }).signature).toBe('valid');
    expect(verifyAuditLog(path)).toMatchObject({ ok: true, signature: 'unchecked' });
  });

  it('fail with another key', () => {
    const path = signedLog();
    const result = verifyAuditLog(path, { publicKeyPem: OTHER_PUBLIC });
    expect(result.ok).toBe(false);
    expect(result.sealed).toBe(true);
    expect(result.signature).toBe('invalid');
    expect(result.firstBad).toMatchObject({ line: 3, seq: 3, code: 'AUDIT_SIGNATURE_INVALID' });
    expect(result.firstBad?.reason).toMatch(/^signature invalid: signed by another key/);
  });

  it('fail when the log was rewritten and re-hashed, changing the head', () => {
    const path = signedLog();
    const records = lines(path).map((l) => JSON.parse(l) as AuditRecord);
    // Rewrite the closing record's totals and recompute its hash, keeping the old signature.
    const { hash: _hash, signature, ...body } = records[2];
    const edited = { ...body, data: { ...body.data, totals: { matches: 0 } } };
    const rewritten = canonicalJson({ ...edited, hash: recordHash(edited), signature });
    fs.writeFileSync(path, [lines(path)[0], lines(path)[1], rewritten].map((l) => `${l}\n`).join(''));
    expect(verifyAuditLog(path).ok).toBe(true);
    const result = verifyAuditLog(path, { publicKeyPem: PUBLIC });
    expect(result.signature).toBe('invalid');
    expect(result.firstBad).toMatchObject({
      line: 3,
      code: 'AUDIT_SIGNATURE_INVALID',
      reason: 'signature invalid: the signature does not match the chain head',
    });
  });

  it('fail when a key is given but the seal is unsigned (signature stripped)', () => {
    const path = signedLog();
    const all = lines(path);
    const closing = JSON.parse(all[2]) as AuditRecord;
    delete closing.signature;
    all[2] = canonicalJson(closing);
    fs.writeFileSync(path, all.map((l) => `${l}\n`).join(''));
    // The signature is outside the hash, so the chain itself stays intact.
    expect(verifyAuditLog(path)).toMatchObject({ ok: true, signature: 'absent' });
    const result = verifyAuditLog(path, { publicKeyPem: PUBLIC });
    expect(result).toMatchObject({ ok: false, sealed: true, signature: 'absent' });
    expect(result.firstBad).toMatchObject({
      line: 3,
      seq: 3,
      code: 'AUDIT_SIGNATURE_INVALID',
      reason: 'not signed: the closing record carries no signature',
    });
  });

  it('report an earlier invalidly signed interrupted seal as the first bad record', () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'ht-sign-'));
    dirs.push(dir);
    const path = join(dir, 'audit.jsonl');
    const log = AuditLog.create(path, { fsync: false });
    log.append('scan_start', {});
    log.close({}, { status: 'interrupted', signKeyPem: OTHER_PRIVATE });
    const resumed = AuditLog.resume(path, {}, { fsync: false });
    resumed.log.close({}, { signKeyPem: PRIVATE });
    const result = verifyAuditLog(path, { publicKeyPem: PUBLIC });
    expect(result.signature).toBe('valid');
    expect(result.ok).toBe(false);
    expect(result.firstBad).toMatchObject({ line: 2, code: 'AUDIT_SIGNATURE_INVALID' });
  });

  it('refuse a bad key at close before writing anything', () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'ht-sign-'));
    dirs.push(dir);
    const path = join(dir, 'audit.jsonl');
    const log = AuditLog.create(path, { fsync: false });
    log.append('scan_start', {});
    expect(caught(() => log.close({}, { signKeyPem: 'garbage' })).code).toBe('AUDIT_KEY_INVALID');
    expect(lines(path)).toHaveLength(1);
    log.close({}, { signKeyPem: loadSigningKey(PRIVATE) });
    expect(verifyAuditLog(path, { publicKeyPem: PUBLIC }).signature).toBe('valid');
  });

  it('an unsigned log passes without a key and fails with one', () => {
    const path = signedLog(null);
    expect(verifyAuditLog(path).ok).toBe(true);
    expect(verifyAuditLog(path, { publicKeyPem: PUBLIC }).ok).toBe(false);
  });
});
