/**
 * Ed25519 signing of the audit log's closing chain head.
 *
 * The hash chain alone shows that a log was not edited *unless* whoever
 * edited it recomputed every later hash, which anyone can do. Signing the
 * final head with a key the lab keeps closes that gap: a rewritten log has a
 * different head, and nobody without the private key can sign it.
 *
 * What is signed is the ASCII text `hashtriage-audit-v1:` followed by the 64
 * lowercase hex characters of the closing record's `hash`. The prefix keeps a
 * signature made here from being replayed as a signature over some other
 * 32-byte value the same key might sign elsewhere.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { ExitCode, HashtriageError } from '../errors.js';

/** The only signature algorithm of audit format version 1. */
export const SIGNATURE_ALGORITHM = 'Ed25519';

/** Prepended to the hex head to form the signed message. */
export const SIGNATURE_MESSAGE_PREFIX = 'hashtriage-audit-v1:';

/** How a signature is stored in a closing record's `signature` member. */
export interface AuditSignature {
  /** Always `Ed25519` in format version 1. */
  alg: typeof SIGNATURE_ALGORITHM;
  /** SHA-256 (lowercase hex) of the signer's public key in SPKI DER form: tells which key to check with. */
  keyId: string;
  /** The 64-byte Ed25519 signature, standard base64 with padding. */
  value: string;
}

/** The outcome of checking one signature. */
export type SignatureCheck = { valid: true } | { valid: false; reason: string };

function keyError(what: string, cause: unknown): HashtriageError {
  // A key file is set-up input: failing to use it means the command could not run (3), not that a log failed verification (4).
  return new HashtriageError('AUDIT_KEY_INVALID', what, { cause, exitCode: ExitCode.FAILURE });
}

/**
 * Reads an Ed25519 private key. Call it when the scan starts, so a bad key
 * is reported before hours of hashing rather than when the log is sealed.
 *
 * @param pem - PKCS#8 PEM text (what `openssl genpkey -algorithm ed25519` writes), unencrypted.
 * @returns the key, ready for {@link signHead}.
 * @throws HashtriageError `AUDIT_KEY_INVALID` when the text is not an unencrypted Ed25519 private key.
 */
export function loadSigningKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw keyError(`Expected an unencrypted Ed25519 private key (PEM) for --sign-key: ${(err as Error).message}`, err);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyError(`Expected an Ed25519 private key (PEM) for --sign-key but received a ${key.asymmetricKeyType} key`, undefined);
  }
  return key;
}

/**
 * Reads an Ed25519 public key for verification. A private key PEM is also
 * accepted (its public half is used), which is convenient in a lab that
 * verifies on the machine that signed.
 *
 * @param pem - SPKI PEM text (`openssl pkey -in key.pem -pubout`), or a private key PEM.
 * @returns the public key.
 * @throws HashtriageError `AUDIT_KEY_INVALID` when the text is not an Ed25519 key.
 */
export function loadVerifyKey(pem: string | Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw keyError(`Expected an Ed25519 public key (PEM) for --pub-key: ${(err as Error).message}`, err);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyError(`Expected an Ed25519 public key (PEM) for --pub-key but received a ${key.asymmetricKeyType} key`, undefined);
  }
  return key;
}

/**
 * The identifier stored beside a signature: SHA-256 of the public key's SPKI DER.
 *
 * @param key - a private or public Ed25519 key.
 * @returns 64 lowercase hex characters.
 */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * The exact bytes that are signed for a head.
 *
 * @param head - the closing record's hash, 64 lowercase hex characters.
 * @returns ASCII bytes of `hashtriage-audit-v1:<head>`.
 */
export function signatureMessage(head: string): Buffer {
  return Buffer.from(SIGNATURE_MESSAGE_PREFIX + head, 'ascii');
}

/**
 * Signs a closing chain head.
 *
 * @param head - the closing record's hash.
 * @param privateKey - from {@link loadSigningKey}.
 * @returns the signature member to store in the closing record.
 * @throws HashtriageError `AUDIT_KEY_INVALID` when the key is not an Ed25519 private key.
 */
export function signHead(head: string, privateKey: KeyObject): AuditSignature {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw keyError('Expected an Ed25519 private key to sign the audit log', undefined);
  }
  // Ed25519 takes no separate digest: the algorithm argument must be null.
  const value = sign(null, signatureMessage(head), privateKey).toString('base64');
  return { alg: SIGNATURE_ALGORITHM, keyId: keyId(privateKey), value };
}

/**
 * Checks a stored signature against a head and a public key. Never throws:
 * a malformed signature member is reported as invalid, with the reason.
 *
 * @param head - the hash of the record that carries the signature, as recomputed by the verifier.
 * @param signature - the record's `signature` member, unvalidated.
 * @param publicKey - from {@link loadVerifyKey}.
 */
export function checkHeadSignature(head: string, signature: unknown, publicKey: KeyObject): SignatureCheck {
  const s = signature as Partial<AuditSignature> | null;
  if (typeof s !== 'object' || s === null || s.alg !== SIGNATURE_ALGORITHM || typeof s.value !== 'string') {
    return { valid: false, reason: 'the signature member is malformed' };
  }
  const expectedId = keyId(publicKey);
  if (s.keyId !== expectedId) {
    return { valid: false, reason: `signed by another key (keyId ${String(s.keyId)}, expected ${expectedId})` };
  }
  const bytes = Buffer.from(s.value, 'base64');
  if (bytes.length !== 64 || bytes.toString('base64') !== s.value) {
    return { valid: false, reason: 'the signature value is not 64 bytes of base64' };
  }
  return verify(null, signatureMessage(head), publicKey, bytes)
    ? { valid: true }
    : { valid: false, reason: 'the signature does not match the chain head' };
}
