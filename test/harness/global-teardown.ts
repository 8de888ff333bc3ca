import { rmSync } from 'node:fs';
import { SHARED_SYNTH_CACHE_ENV } from '../../cli/synth-cache';

/** Removes the run's shared synth folder (test/harness/global-setup.ts). */
export default function globalTeardown(): void {
  const dir = process.env[SHARED_SYNTH_CACHE_ENV];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
