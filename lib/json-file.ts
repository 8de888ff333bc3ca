import { readFileSync } from 'node:fs';

/** A JSON file's parsed content, or the one problem that kept it from being read (for a located error). */
export function readJsonFile(file: string): { data: unknown; text: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { problem: `cannot read the file: ${(e as Error).message}` };
  }
  try {
    return { data: JSON.parse(text), text };
  } catch (e) {
    return { problem: `not valid JSON: ${(e as Error).message}` };
  }
}
