/**
 * The format names `list import --format` accepts, and each format's default role.
 */
import type { Role } from '../types.js';

/** Every importable format. `auto` (not listed) detects one of these by content. */
export const LIST_FORMATS = [
  'nsrl-rdsv3',
  'nsrl-rds2',
  'vics',
  'caid',
  'icse',
  'hashdeep',
  'sum',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'b3sum',
  'bsd',
  'encase',
  'hashkeeper',
  'autopsy',
  'iped',
  'ilook',
  'csv',
] as const;

/** One importable format. */
export type ListFormat = (typeof LIST_FORMATS)[number];

/** True when `s` names a format. */
export function isListFormat(s: string): s is ListFormat {
  return (LIST_FORMATS as readonly string[]).includes(s);
}

/**
 * Role given to a source when the import names none: known-good reference sets
 * (NSRL, NIST CAID) are `known`; everything else is `notable`. HashKeeper
 * (`notable_flag` in the `.hke`), EnCase (category text) and IPED (`status`
 * property) may say otherwise in the file itself.
 */
export function defaultRole(format: ListFormat): Role {
  return format === 'nsrl-rdsv3' || format === 'nsrl-rds2' || format === 'caid' ? 'known' : 'notable';
}
