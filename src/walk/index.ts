/**
 * The walk stage's public surface: stream the evidence tree (`walk`), count it
 * ahead for an ETA (`countFiles`), convert reported paths back to bytes, and
 * tell the audit log whether directory access times were preserved.
 */
export { walk, type WalkOptions } from './walk.js';
export { countFiles, type FileCount } from './count.js';
export { reportedPath, pathBytesOf, renderBytes } from './path-text.js';
export { directoryAtimePreserved, directoryReaderDescription } from './read-dir.js';
