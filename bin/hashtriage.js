#!/usr/bin/env node
// The installed command. Runs the compiled CLI (npm run build creates dist/).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv);
