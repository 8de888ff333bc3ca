/**
 * The lock file of a fresh app that depends on this package's tarball, made from the repository's own lock file, so
 * that `npm ci --offline` installs the package and its dependencies from the npm cache that the repository's `npm ci`
 * filled: the versions the repository is tested with, and no registry request (an install without a lock file needs
 * each package's metadata, which `npm ci` never fetches and so never caches).
 */

/** A package's entry in a v3 lock file (the fields this reads; the rest is copied as it is). */
interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly link?: boolean;
  readonly inBundle?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly [field: string]: unknown;
}

export interface LockFile {
  readonly lockfileVersion: number;
  readonly packages: Record<string, LockEntry>;
}

export interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly bin?: Record<string, string>;
  readonly engines?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

/** The folder `node_modules/a/node_modules/b` sits in (`node_modules/a`), `''` for a top-level package. */
const parentOf = (location: string) => {
  const i = location.lastIndexOf('/node_modules/');
  return i < 0 ? '' : location.slice(0, i);
};

/** The package's name from its location (`node_modules/@scope/name` → `@scope/name`). */
const nameAt = (location: string) => location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);

/**
 * A lock file for an app whose only dependency is `pkg` from `tarball` (a path relative to the app). Every package
 * the tarball needs is the one Node resolves from the repository's tree (`repoLock`), at the same location; the
 * package's `provided` peer dependencies are left out: the app links them (install with `--legacy-peer-deps`).
 */
export function appLockFile(
  repoLock: LockFile,
  pkg: PackageJson,
  tarball: string,
  provided: ReadonlySet<string>,
  registry = 'https://registry.npmjs.org/',
): { packageJson: object; lockFile: object } {
  if (repoLock.lockfileVersion !== 3) throw new Error(`lockfileVersion ${repoLock.lockfileVersion}: expected 3`);
  const { packages } = repoLock;
  const resolve = (from: string, name: string): string | undefined => {
    for (let at = from; ; at = parentOf(at)) {
      const location = `${at ? `${at}/` : ''}node_modules/${name}`;
      if (packages[location]) return location;
      if (!at) return undefined;
    }
  };
  const kept = new Set<string>();
  const queue: string[] = [];
  const need = (from: string, name: string, optional: boolean) => {
    if (provided.has(name)) return;
    const location = resolve(from, name);
    if (!location) {
      if (optional) return;
      throw new Error(`package-lock.json has no ${name} for ${from || 'the package'}: run npm install`);
    }
    if (!kept.has(location)) {
      kept.add(location);
      queue.push(location);
    }
  };
  // The tarball's own dependencies resolve from node_modules/<pkg>, which has no node_modules of its own.
  for (const name of Object.keys(pkg.dependencies ?? {})) need('', name, false);
  for (let location = queue.shift(); location !== undefined; location = queue.shift()) {
    const entry = packages[location];
    for (const name of Object.keys(entry.dependencies ?? {})) need(location, name, false);
    for (const name of Object.keys(entry.optionalDependencies ?? {})) need(location, name, true);
    for (const name of Object.keys(entry.peerDependencies ?? {})) {
      need(location, name, entry.peerDependenciesMeta?.[name]?.optional === true);
    }
  }

  const app = { name: 'ha-workflows-consumer', version: '1.0.0', private: true };
  const dependencies = { [pkg.name]: `file:${tarball}` };
  const lockPackages: Record<string, unknown> = {
    '': { ...app, dependencies },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: `file:${tarball}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      peerDependencies: pkg.peerDependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const location of [...kept].sort()) {
    // The repository's flags (dev, peer) describe its own tree, not the app's.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = packages[location];
    const name = nameAt(location);
    // The repository's lock omits the registry's tarball URLs (omit-lockfile-registry-resolved); npm reads a cached
    // tarball by its URL or integrity, and would otherwise ask the registry for the package's metadata.
    const resolved =
      entry.resolved ??
      (entry.inBundle || entry.link
        ? undefined
        : `${registry}${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${entry.version}.tgz`);
    lockPackages[location] = resolved ? { ...entry, resolved } : entry;
  }
  return {
    packageJson: { ...app, dependencies },
    lockFile: { ...app, lockfileVersion: 3, requires: true, packages: lockPackages },
  };
}
