import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A folder shared by the processes of one run (jest's workers; set by test/harness/global-setup.ts): a configuration
 * one process synthesized is read there by the others instead of being synthesized again (each jest file is a fresh
 * module registry, so an in-memory cache lasts one file). Unset, nothing is read or written. The folder lives for one
 * run only, so the sources cannot change under it.
 */
export const SHARED_SYNTH_CACHE_ENV = 'HA_WORKFLOWS_SYNTH_CACHE';

/** The shared cache's file for a configuration (its path and content, or the object itself, hashed); none if unset. */
function cacheFile(config: string | Record<string, unknown>): string | undefined {
  const dir = process.env[SHARED_SYNTH_CACHE_ENV];
  if (!dir) return undefined;
  const hash = createHash('sha256');
  if (typeof config === 'string') {
    // A file that cannot be read is not cached: loading it then names the problem.
    if (!existsSync(config)) return undefined;
    hash.update(path.resolve(config)).update('\0').update(readFileSync(config));
  } else hash.update(JSON.stringify(config));
  return path.join(dir, `${hash.digest('hex')}.json`);
}

/** What another process of this run synthesized for the configuration, if anything. */
export function readShared<T>(config: string | Record<string, unknown>): T | undefined {
  const file = cacheFile(config);
  return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Keeps a synthesized result for the other processes of this run (no-op when the folder is unset). */
export function writeShared(config: string | Record<string, unknown>, value: unknown): void {
  const file = cacheFile(config);
  if (!file) return;
  // Written whole, then renamed: a reader in another process never sees half a file.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify(value));
  renameSync(partial, file);
}
