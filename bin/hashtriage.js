#!/usr/bin/env node
// The installed command. Runs the compiled CLI (npm run build creates dist/).
import { main } from '../dist/src/cli/main.js';

// A reader that goes away (`| head`) is not a failure: the rest of the output is
// dropped and the command's own exit code stands (`hash` stops early on it).
// Any other write error on the output is one.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') return;
  process.stderr.write(`hashtriage: cannot write the output: ${err.message}\n`);
  process.exit(3);
});

process.exitCode = await main(process.argv);
