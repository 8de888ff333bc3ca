import {
  BACKUP_TAGS,
  CREATED_BY_TAG,
  CREATED_BY_VALUE,
  FENCED_BY_TAG,
  PROJECT_TAG_PREFIX,
  RECOVERY_GROUP_TAG,
  REPLACES_TAG,
  WRITES_RESUMED_MARKER,
  WRITES_RESUMED_NOTE,
} from '../../contracts/tags';

/** EC2's limits on a tag ("Tag restrictions", EC2 User Guide): key 1-128 characters, value at most 256. */
const MAX_KEY = 128;
const MAX_VALUE = 256;

describe('the tag keys (contracts/tags.ts, their one home)', () => {
  // (BACKUP_TAGS.createdBy is CREATED_BY_TAG: one key marks whatever the project created)
  const keys = [RECOVERY_GROUP_TAG, REPLACES_TAG, FENCED_BY_TAG, ...Object.values(BACKUP_TAGS)];

  it("are each the project's own (prefixed), distinct, and within EC2's tag limits", () => {
    // GIVEN every key the project writes / THEN each carries the prefix that marks bookkeeping tags, and none repeats
    for (const key of keys) {
      expect(key.startsWith(PROJECT_TAG_PREFIX)).toBe(true);
      expect(key.length).toBeLessThanOrEqual(MAX_KEY);
      expect(key.startsWith('aws:')).toBe(false);
    }
    expect(new Set(keys).size).toBe(keys.length);
    for (const value of [CREATED_BY_VALUE, WRITES_RESUMED_NOTE]) expect(value.length).toBeLessThanOrEqual(MAX_VALUE);
  });

  it('mark a snapshot and a replacement as created by this project with one tag', () => {
    // The IAM conditions on snapshots and the janitor's search for stray replacements name the same key
    expect(BACKUP_TAGS.createdBy).toBe(CREATED_BY_TAG);
  });

  it('print a stdout marker a shell can echo unquoted', () => {
    expect(WRITES_RESUMED_MARKER).toMatch(/^[A-Z_]+$/);
  });
});
