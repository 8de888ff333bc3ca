#!/usr/bin/env -S npx tsx
import '../local/polyfills';

// The AWS SDK warns on every run under Node 20 that future releases will need Node 22; the CLI's
// output is for operators, so that one warning is dropped (everything else still prints).
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
  if (String(warning instanceof Error ? warning.message : warning).includes('AWS SDK for JavaScript (v3)')) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;
import * as path from 'node:path';
import { runCli } from './program';

/** How the person ran this file, so that printed follow-up commands work as printed. */
function invokedAs(script = process.argv[1] ?? ''): string {
  if (/\.ts$/.test(script)) return `npx tsx ${path.relative(process.cwd(), script) || script}`;
  return 'ha-workflows';
}

// Commands are defined in ./program.ts; this file is only the process's entry (streams, exit code).
runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  outIsTTY: process.stdout.isTTY,
  errIsTTY: process.stderr.isTTY,
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  invokedAs: invokedAs(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 2;
  },
);
