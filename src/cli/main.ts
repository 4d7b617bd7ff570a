/**
 * The process edge: parse, run, map every outcome to an exit code.
 */
import { CommanderError } from 'commander';
import { ExitCode, HashtriageError } from '../errors.js';
import { TOOL_VERSION, escapeForTerminal } from '../index.js';
import { makeHandlers, type Io } from './commands.js';
import { buildProgram } from './program.js';

/**
 * Runs the CLI with `argv` (as process.argv: node, script, args...).
 * @returns the exit code; never throws.
 */
export async function main(argv: readonly string[], io: Io = { stdout: process.stdout, stderr: process.stderr, argv }): Promise<number> {
  let code: number = ExitCode.OK;
  const program = buildProgram(makeHandlers(io), TOOL_VERSION, (c) => {
    code = c;
  });
  program.exitOverride();
  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    if (err instanceof HashtriageError) {
      io.stderr.write(`hashtriage: ${escapeForTerminal(err.message)} [${err.code}]\n`);
      return err.exitCode;
    }
    io.stderr.write(`hashtriage: internal error: ${escapeForTerminal((err as Error)?.stack ?? String(err))}\n`);
    return ExitCode.FAILURE;
  }
}
