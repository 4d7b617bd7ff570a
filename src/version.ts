/** The tool's version, read once from package.json (one source of truth). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// src/version.ts and dist/src/version.js sit at different depths below the package root.
const pkg = new URL(import.meta.url.includes('/dist/src/') ? '../../package.json' : '../package.json', import.meta.url);

export const TOOL_VERSION: string = (JSON.parse(readFileSync(fileURLToPath(pkg), 'utf8')) as { version: string }).version;
