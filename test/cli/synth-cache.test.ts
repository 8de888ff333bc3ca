import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readShared, SHARED_SYNTH_CACHE_ENV, writeShared } from '../../cli/synth-cache';

describe('the shared synth cache of one run', () => {
  const saved = process.env[SHARED_SYNTH_CACHE_ENV];
  let dir: string;
  let configFile: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'synth-cache-test-'));
    configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, '{"a":1}');
    mkdirSync(path.join(dir, 'cache'));
    process.env[SHARED_SYNTH_CACHE_ENV] = path.join(dir, 'cache');
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[SHARED_SYNTH_CACHE_ENV];
    else process.env[SHARED_SYNTH_CACHE_ENV] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives another reader what one process wrote, for the same file or object', () => {
    writeShared(configFile, { site: 'file' });
    writeShared({ inline: true }, { site: 'object' });
    expect(readShared(configFile)).toEqual({ site: 'file' });
    expect(readShared({ inline: true })).toEqual({ site: 'object' });
    expect(readShared({ inline: false })).toBeUndefined();
    expect(readdirSync(path.join(dir, 'cache')).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('misses once the configuration file changes', () => {
    writeShared(configFile, { version: 1 });
    writeFileSync(configFile, '{"a":2}');
    expect(readShared(configFile)).toBeUndefined();
  });

  it('does nothing when no folder is set, and never caches a file that does not exist', () => {
    writeShared(path.join(dir, 'missing.json'), { x: 1 });
    expect(readShared(path.join(dir, 'missing.json'))).toBeUndefined();
    delete process.env[SHARED_SYNTH_CACHE_ENV];
    writeShared(configFile, { x: 1 });
    expect(readShared(configFile)).toBeUndefined();
    expect(readdirSync(path.join(dir, 'cache'))).toEqual([]);
  });
});
