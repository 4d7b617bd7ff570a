/**
 * Renders docs/cli.md from the commander program, so the reference can never
 * drift from what `--help` says. `npm run docs:cli` writes it; a test fails
 * when the committed file differs.
 */
import type { Command, Option } from 'commander';
import { EXIT_STATUS_HELP, buildProgram, type Handlers } from './program.js';

const noop = async () => 0;
const STUBS: Handlers = new Proxy({} as Handlers, { get: () => noop });

/** Plain help text as Markdown: capitalised, and `<x>` kept visible rather than read as HTML. */
function prose(text: string): string {
  const t = text.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function optionRow(o: Option): string {
  const def = o.defaultValue === undefined ? '' : ` Default: \`${String(o.defaultValue)}\`.`;
  const req = o.mandatory ? ' **Required.**' : '';
  return `| \`${o.flags.replace(/\|/g, '\\|')}\` | ${prose(o.description)}.${def}${req} |`;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function renderCommand(cmd: Command, out: string[]): void {
  if (cmd.commands.length > 0 && cmd.registeredArguments.length === 0 && cmd.options.length === 0) {
    for (const sub of cmd.commands) renderCommand(sub, out);
    return;
  }
  const args = cmd.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`));
  out.push(`## \`${commandPath(cmd)}\``, '', `${prose(cmd.description())}.`, '', '```', `${commandPath(cmd)} ${[...args, '[options]'].join(' ')}`, '```', '');
  if (cmd.registeredArguments.length > 0) {
    out.push('| Argument | Meaning |', '| --- | --- |');
    for (const a of cmd.registeredArguments) out.push(`| \`${a.name()}\` | ${prose(a.description)}. |`);
    out.push('');
  }
  if (cmd.options.length > 0) {
    out.push('| Option | Meaning |', '| --- | --- |');
    for (const o of cmd.options) out.push(optionRow(o));
    out.push('');
  }
}

/** The whole of docs/cli.md. */
export function renderCliDoc(version: string): string {
  const program = buildProgram(STUBS, version);
  const out: string[] = [
    '# CLI reference',
    '',
    '<!-- Generated from src/cli/program.ts by `npm run docs:cli`; do not edit by hand. -->',
    '',
    `${program.description()}`,
    '',
    'Every command also takes `-h, --help`. Exit codes are the same for every command:',
    '',
    '```',
    EXIT_STATUS_HELP.trim(),
    '```',
    '',
  ];
  for (const cmd of program.commands) renderCommand(cmd, out);
  return `${out.join('\n').trimEnd()}\n`;
}
