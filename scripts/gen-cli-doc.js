// Writes docs/cli.md from the commander definitions (run via `npm run docs:cli`).
import { writeFileSync } from 'node:fs';
import { renderCliDoc } from '../dist/src/cli/cli-doc.js';
import { TOOL_VERSION } from '../dist/src/version.js';

writeFileSync(new URL('../docs/cli.md', import.meta.url), renderCliDoc(TOOL_VERSION));
