import type { ServiceName } from './errors';

/**
 * A fault on an API: matching calls fail with an error code (a number of times, or with a probability)
 * and/or take longer.
 */
export interface ApiFault {
  readonly service: ServiceName;
  /** PascalCase API action, e.g. `RunInstances`. */
  readonly action: string;
  /** Deep partial match on the call's input, e.g. `{ "Placement": { "AvailabilityZone": "eu-west-1a" } }`. */
  readonly match?: Record<string, unknown>;
  /** Fail matching calls with this error code (and optional message and HTTP status). */
  readonly error?: { readonly code: string; readonly message?: string; readonly statusCode?: number };
  /** Apply to this many matching calls, then stop. Omitted: every matching call. */
  readonly times?: number;
  /** Apply to each matching call with this probability (seeded). Omitted: 1. */
  readonly probability?: number;
  /** Extra modeled seconds on matching calls. */
  readonly addLatencySeconds?: number;
  /** Only from this modeled second of the drill on. */
  readonly afterSeconds?: number;
  /** Only before this modeled second of the drill (the window `afterSeconds` … `untilSeconds` closes). */
  readonly untilSeconds?: number;
}

/** True when every key of `pattern` matches `value` (arrays: each pattern element matches some element). */
export function deepPartialMatch(value: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object') return value === pattern;
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) return false;
    return pattern.every((p) => value.some((v) => deepPartialMatch(v, p)));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.entries(pattern).every(([k, p]) => deepPartialMatch((value as Record<string, unknown>)[k], p));
}
