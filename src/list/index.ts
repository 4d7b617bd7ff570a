/**
 * The hash-list stage: import lists of many formats into one SQLite file,
 * and read it back for matching, `list info` and `list lookup`.
 */
export { openHashList } from './reader.js';
export { importLists, MAX_REPORTED_REJECTIONS } from './import.js';
export type { ImportOptions, ImportReport, ImportSourceReport, Interruption, Rejection } from './import.js';
export { listInfo } from './info.js';
export type { ListInfo } from './info.js';
export { lookup, parseQuery } from './lookup.js';
export type { LookupResult } from './lookup.js';
export { LIST_FORMATS, isListFormat, defaultRole } from './formats.js';
export type { ListFormat } from './formats.js';
export { DEFAULT_LOW_INFORMATION_RULE, isLowInformation } from './low-information.js';
export type { LowInformationRule } from './low-information.js';
export { SCHEMA_VERSION } from './schema.js';
