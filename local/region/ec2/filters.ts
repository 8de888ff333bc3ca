import type { Filter, Tag } from '@aws-sdk/client-ec2';
import { AwsApiError } from '../errors';

/** What a filter may match on one resource: named fields (one value or several) and its tags. */
export interface FilterTarget {
  readonly fields: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** EC2 filter values accept `*` (any run of characters) and `?` (one character). */
function wildcard(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

function valuesOf(target: FilterTarget, name: string): readonly string[] {
  if (name === 'tag-key') return Object.keys(target.tags);
  if (name.startsWith('tag:')) {
    const value = target.tags[name.slice(4)];
    return value === undefined ? [] : [value];
  }
  const field = target.fields[name];
  if (field === undefined) return [];
  return typeof field === 'string' ? [field] : field;
}

/**
 * Keeps the items that match every filter (a filter matches when any of its values matches), as EC2 does.
 * A filter name outside `allowed` (besides `tag:<key>` and `tag-key`) fails like the real API.
 */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly Filter[] | undefined,
  allowed: readonly string[],
  describe: (item: T) => FilterTarget,
): T[] {
  const parsed = (filters ?? []).map((f) => {
    const name = f.Name ?? '';
    if (!name.startsWith('tag:') && name !== 'tag-key' && !allowed.includes(name)) {
      throw new AwsApiError('ec2', 'InvalidParameterValue', `The filter '${name}' is invalid`);
    }
    return { name, patterns: (f.Values ?? []).map(wildcard) };
  });
  return items.filter((item) => {
    const target = describe(item);
    return parsed.every(({ name, patterns }) => {
      const values = valuesOf(target, name);
      return patterns.some((p) => values.some((v) => p.test(v)));
    });
  });
}

/** Tags as the API returns them: omitted when there are none. */
export function toTagList(tags: Readonly<Record<string, string>>): Tag[] | undefined {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return list.length > 0 ? list : undefined;
}
