/**
 * The one error class, its stable codes and the exit codes.
 *
 * Codes are stage-prefixed strings so the compiler keeps them unique and a
 * script can rely on them. Per-file failures use the same codes but travel as
 * `FileFailure` values (see types.ts); only set-up failures are thrown.
 */

/** Process exit codes. Documented in docs/cli.md; never renumber one. */
export const ExitCode = Object.freeze({
  /** The command finished and found no match (or, for other commands, succeeded). */
  OK: 0,
  /** A scan finished and found at least one match (like clamscan's 1 for "virus found"). */
  MATCHES: 1,
  /** The command line was wrong: unknown option, bad value, missing argument. */
  USAGE: 2,
  /** The command could not run or finish: unreadable list, case dir refused, I/O failure. */
  FAILURE: 3,
  /** `audit verify` found the log altered, truncated or unsealed. */
  VERIFY_FAILED: 4,
  /** Stopped by SIGINT or SIGTERM (128 + SIGINT, the shell convention). */
  INTERRUPTED: 130,
});
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  // command line and set-up
  | 'USAGE_INVALID_OPTION'
  | 'CASE_DIR_NOT_EMPTY'
  | 'CASE_DIR_INSIDE_EVIDENCE'
  | 'CASE_DIR_UNWRITABLE'
  | 'EVIDENCE_NOT_A_DIRECTORY'
  | 'EVIDENCE_UNREADABLE'
  | 'INTERNAL'
  // walk (per entry)
  | 'WALK_ACCESS_DENIED'
  | 'WALK_LOOP'
  | 'WALK_NAME_TOO_LONG'
  | 'WALK_VANISHED'
  | 'WALK_UNREADABLE'
  // read and hash (per file)
  | 'READ_FAILED'
  | 'READ_ACCESS_DENIED'
  | 'READ_VANISHED'
  | 'READ_CHANGED'
  // image decode (per file; the cryptographic hashes are still reported)
  | 'IMAGE_DECODE_FAILED'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_UNSUPPORTED'
  // hash lists
  | 'LIST_NOT_FOUND'
  | 'LIST_UNREADABLE'
  | 'LIST_SCHEMA_MISMATCH'
  | 'LIST_FORMAT_UNKNOWN'
  | 'LIST_MALFORMED'
  | 'LIST_EMPTY'
  | 'LIST_FOREIGN_SCHEMA'
  | 'LIST_BAD_QUERY'
  | 'LIST_BUSY'
  | 'LIST_IMPORT_INTERRUPTED'
  // audit log
  | 'AUDIT_CHAIN_BROKEN'
  | 'AUDIT_NOT_SEALED'
  | 'AUDIT_SIGNATURE_INVALID'
  | 'AUDIT_UNREADABLE'
  | 'AUDIT_LOG_EXISTS'
  | 'AUDIT_WRITE_FAILED'
  | 'AUDIT_KEY_INVALID'
  // resume
  | 'RESUME_STATE_INVALID'
  // report
  | 'REPORT_CASE_INVALID'
  | 'REPORT_OUTPUT_REFUSED'
  | 'REPORT_WRITE_FAILED';

/** Which exit code a thrown error of each family ends the process with. */
function exitCodeFor(code: ErrorCode): ExitCodeValue {
  if (code.startsWith('USAGE_')) return ExitCode.USAGE;
  if (code.startsWith('AUDIT_')) return ExitCode.VERIFY_FAILED;
  if (code.endsWith('_INTERRUPTED')) return ExitCode.INTERRUPTED;
  return ExitCode.FAILURE;
}

/**
 * The error hashtriage throws. `code` is stable across releases; `message`
 * is for people and may be reworded.
 */
export class HashtriageError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCodeValue;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; exitCode?: ExitCodeValue }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HashtriageError';
    this.code = code;
    this.exitCode = options?.exitCode ?? exitCodeFor(code);
  }
}

/** One wording for every invalid argument: "Expected <what> for <name> but received <value>". */
export function invalidOption(name: string, expected: string, received: unknown): HashtriageError {
  const shown = typeof received === 'string' ? JSON.stringify(received) : String(received);
  return new HashtriageError('USAGE_INVALID_OPTION', `Expected ${expected} for ${name} but received ${shown}`);
}

/**
 * Turns a Node.js system error from reading or walking into a per-file
 * failure code. Unknown errnos keep their errno in the message.
 */
export function failureFromSystemError(
  err: unknown,
  family: 'WALK' | 'READ',
): { code: ErrorCode; message: string } {
  const e = err as NodeJS.ErrnoException;
  const errno = e?.code ?? 'UNKNOWN';
  const message = `${errno}: ${e?.message ?? String(err)}`;
  switch (errno) {
    case 'EACCES':
    case 'EPERM':
      return { code: family === 'WALK' ? 'WALK_ACCESS_DENIED' : 'READ_ACCESS_DENIED', message };
    case 'ENOENT':
    case 'ENOTDIR':
      return { code: family === 'WALK' ? 'WALK_VANISHED' : 'READ_VANISHED', message };
    case 'ELOOP':
      return { code: family === 'WALK' ? 'WALK_LOOP' : 'READ_FAILED', message };
    case 'ENAMETOOLONG':
      return { code: family === 'WALK' ? 'WALK_NAME_TOO_LONG' : 'READ_FAILED', message };
    default:
      return { code: family === 'WALK' ? 'WALK_UNREADABLE' : 'READ_FAILED', message };
  }
}
