import { describe, expect, it } from 'vitest';
import { escapeForTerminal } from '../../src/report/sanitize.js';

describe('escapeForTerminal', () => {
  it('leaves ordinary names alone, including non-Latin text', () => {
    expect(escapeForTerminal('Pictures/holiday 2024/IMG_0001.jpg')).toBe('Pictures/holiday 2024/IMG_0001.jpg');
    expect(escapeForTerminal('写真/фото.png')).toBe('写真/фото.png');
  });

  it('makes a newline visible so a name cannot forge a second output line', () => {
    const forged = 'a.jpg\nScan complete: 0 matches';
    const out = escapeForTerminal(forged);
    expect(out).not.toContain('\n');
    expect(out).toBe('a.jpg\\nScan complete: 0 matches');
  });

  it('escapes right-to-left overrides and other bidi controls', () => {
    // "invoice\u202Egpj.exe" displays as "invoiceexe.jpg"
    expect(escapeForTerminal('invoice\u202Egpj.exe')).toBe('invoice\\u{202e}gpj.exe');
    expect(escapeForTerminal('a\u2066b\u2069')).toBe('a\\u{2066}b\\u{2069}');
  });

  it('escapes terminal escape sequences, C1 controls and DEL', () => {
    expect(escapeForTerminal('\u001b[2Jclear')).toBe('\\e[2Jclear');
    expect(escapeForTerminal('x\u009by\u007f')).toBe('x\\u{009b}y\\u{007f}');
  });

  it('doubles backslashes so escapes stay unambiguous', () => {
    expect(escapeForTerminal('C:\\n')).toBe('C:\\\\n');
    expect(escapeForTerminal('C:\\n')).not.toBe(escapeForTerminal('C:\n'));
  });
});
