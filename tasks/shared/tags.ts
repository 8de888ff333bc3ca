import type { Tag } from '@aws-sdk/client-ec2';

/** Tags as a record (EC2 returns them as a list, and omits the list when there are none). */
export function tagsOf(resource: { readonly Tags?: readonly Tag[] }): Record<string, string> {
  return Object.fromEntries((resource.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
}
