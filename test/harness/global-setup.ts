import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SHARED_SYNTH_CACHE_ENV } from '../../cli/synth-cache';

/**
 * One synthesized template per configuration for the whole run: jest gives every test file a fresh module registry,
 * so without this each scenario suite synthesized the example app again (~10–17 s each on a loaded 2-core machine).
 * The workers inherit this environment variable; cli/template.ts `synthesize` reads and writes the folder.
 */
export default function globalSetup(): void {
  process.env[SHARED_SYNTH_CACHE_ENV] = mkdtempSync(path.join(tmpdir(), 'ha-workflows-jest-synth-'));
}
