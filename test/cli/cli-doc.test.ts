import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCliDoc } from '../../src/cli/cli-doc.js';

describe('docs/cli.md', () => {
  it('is what the commander definitions generate (run "npm run docs:cli" after changing an option)', () => {
    const committed = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderCliDoc('test'));
  });

  it('documents every command and the exit codes', () => {
    const doc = renderCliDoc('test');
    for (const c of ['hashtriage scan', 'hashtriage hash', 'hashtriage list import', 'hashtriage list info', 'hashtriage list lookup', 'hashtriage audit verify', 'hashtriage demo']) {
      expect(doc).toContain(`## \`${c}\``);
    }
    expect(doc).toMatch(/130\s+interrupted/);
  });
});
