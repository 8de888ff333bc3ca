// Lints code snippets as if they were files of this repository, with the repository's own eslint.config.mjs, and
// prints what `no-restricted-imports` reports for each. test/lint/layering.test.ts runs it in a child process: inside
// jest's module sandbox ESLint cannot load its config file (it does so by a dynamic import(), which jest supports only
// under --experimental-vm-modules).
// stdin: [{ "filePath": "tasks/x/bad.ts", "code": "import ..." }, ...]  (paths relative to the repository root)
// stdout: one list per snippet: [[{ "ruleId": "no-restricted-imports", "message": "...", "fatal": false }], ...]
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The whole config is loaded, as `npx eslint .` loads it; only the layering rule runs (a parse error still shows).
const eslint = new ESLint({ cwd: root, ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' });

let input = '';
for await (const chunk of process.stdin) input += chunk;

const reports = [];
for (const { filePath, code } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath), warnIgnored: true });
  reports.push(result.messages.map(({ ruleId, message, fatal }) => ({ ruleId, message, fatal: fatal ?? false })));
}
process.stdout.write(JSON.stringify(reports));
