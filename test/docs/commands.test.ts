/**
 * Every `ha-workflows` command the docs show (README.md, docs/*.md, docs/workflows/*.md; as `ha-workflows …`,
 * `npx ha-workflows …`, `npx tsx cli/bin.ts …` or `npm run ha-workflows -- …`, and the command table of docs/cli.md)
 * runs as shown: no unknown command or option, no missing argument, no usage error. The commands run in-process
 * against one `local serve` (the DR drill's world); a synopsis (with `[optional]` parts or CAPS placeholders) and
 * the long-running commands (campaign, graph, drill of many files) are only parsed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { scenarioFiles } from '../../cli/drill';
import { type CliIo, runCliOutcome } from '../../cli/program';
import { serve } from '../../cli/serve';
import type { LocalEndpoint } from '../../local/server';

const ROOT = path.join(__dirname, '..', '..');
const PAGES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(path.join(ROOT, 'docs', 'workflows'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/workflows/${f}`),
];
const PREFIX = /(?:^|\s|`)(?:npx tsx cli\/bin\.ts|npm run ha-workflows --|npx ha-workflows|ha-workflows)\s+(?=[a-z-])/;
const AWS_COMMANDS = ['watch', 'approve', 'reject', 'status', 'dr start', 'dr unlock'];

interface DocCommand {
  readonly page: string;
  readonly line: number;
  readonly text: string;
  /** A synopsis ([optional] parts, CAPS placeholders): parsed only. */
  readonly synopsis: boolean;
}

/** The words of a command line: quotes, and <placeholders with spaces>, kept together. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|<[^>]*>\S*|\S+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[0]);
  return out;
}

/** The commands of a page: shell lines of code blocks (`$ ` lines of console blocks), and code spans. */
function commandsOf(page: string): DocCommand[] {
  const text = readFileSync(path.join(ROOT, page), 'utf8');
  const lines = text.split('\n');
  const found: DocCommand[] = [];
  let fence: string | undefined;
  const add = (line: number, raw: string, synopsisHint = false) => {
    if (/^\s*#/.test(raw)) return; // a shell comment
    const m = PREFIX.exec(raw);
    if (!m) return;
    let cmd = raw.slice(m.index + m[0].length);
    cmd = cmd
      .replace(/\s+#\s.*$/, '')
      .replace(/\s*&\s*$/, '')
      .replace(/\\\|/g, '|')
      .trim();
    cmd = cmd.replace(/^--\s+/, ''); // `npm run ha-workflows -- …`
    if (cmd.startsWith('<')) return; // `ha-workflows <command>`: a placeholder, not a command
    const synopsis = synopsisHint || /\[|\s[A-Z][A-Z0-9_]*…?(\s|$)|…$/.test(cmd);
    found.push({ page, line, text: cmd, synopsis });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const open = /^\s*```(\w*)/.exec(line);
    if (open) {
      fence = fence === undefined ? open[1] || 'text' : undefined;
      continue;
    }
    if (fence !== undefined) {
      if (!['sh', 'bash', 'console', 'shell'].includes(fence)) continue;
      if (fence === 'console' && !line.startsWith('$ ')) continue;
      let joined = line.replace(/^\$ /, '');
      while (joined.endsWith('\\') && i + 1 < lines.length) joined = `${joined.slice(0, -1)} ${lines[++i].trim()}`;
      add(i + 1, joined);
      continue;
    }
    // Code spans in prose and tables; in docs/cli.md's command table the span is the command without its prefix.
    for (const span of line.matchAll(/`([^`]+)`/g)) {
      const code = span[1];
      if (page === 'docs/cli.md' && line.startsWith('| `') && span.index === 2) {
        for (const alternative of code.split(/`,\s*`/)) add(i + 1, `ha-workflows ${alternative}`, true);
      } else add(i + 1, code);
    }
  }
  return found;
}

/** A synopsis as one command line: optional parts included (their first alternative), placeholders given a value. */
function concrete(cmd: DocCommand): string[] {
  let text = cmd.text;
  if (cmd.synopsis) {
    text = text
      .replace(/\[([^[\]]*)\]/g, (_, inner: string) => inner.split(' | ')[0])
      .replace(/(\S+)\s*\|\s*\S+/g, '$1')
      .replace(/…/g, '');
  }
  return words(text).map((w) => (cmd.synopsis && /^([A-Z][A-Z0-9_]*|<[^>]*>\S*)$/.test(w) ? '1' : w));
}

const COMMANDS = PAGES.flatMap(commandsOf);

describe('the commands the docs show', () => {
  let endpoint: LocalEndpoint;
  const served: LocalEndpoint[] = [];

  beforeAll(async () => {
    ({ endpoint } = await serve({
      port: 0,
      config: path.join(ROOT, 'infra', 'config', 'example.json'),
      site: 'dr',
      scenario: path.join(ROOT, 'test', 'scenarios', 'dr-promotion', 'approved.json'),
      timeScale: 50,
    }));
  });
  afterAll(async () => {
    const client = new SFNClient({
      endpoint: endpoint.url,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    for (const m of (await client.send(new ListStateMachinesCommand({}))).stateMachines ?? []) {
      const running = await client.send(
        new ListExecutionsCommand({ stateMachineArn: m.stateMachineArn, statusFilter: 'RUNNING' }),
      );
      for (const e of running.executions ?? []) {
        await client.send(new StopExecutionCommand({ executionArn: e.executionArn }));
      }
    }
    client.destroy();
    for (const s of [endpoint, ...served]) await s.close();
  });

  it('are found on every page that shows commands', () => {
    const pages = new Set(COMMANDS.map((c) => c.page));
    for (const page of ['README.md', 'docs/cli.md', 'docs/scenarios.md', 'docs/workflows/dr-promotion.md']) {
      expect(pages).toContain(page);
    }
    expect(COMMANDS.length).toBeGreaterThan(25);
  });

  it('run without an unknown command or option, a missing argument or a usage error', async () => {
    const failures: string[] = [];
    for (const cmd of COMMANDS) {
      let argv = concrete(cmd);
      const command = argv[0] === 'dr' || argv[0] === 'local' ? `${argv[0]} ${argv[1]}` : argv[0];
      // A command named in prose (`ha-workflows drill`, `ha-workflows dr unlock`): it must exist.
      if (argv.length === command.split(' ').length) argv = [...argv, '--help'];
      if (AWS_COMMANDS.includes(command)) {
        // Never the network: every AWS call goes to the local endpoint, without a profile.
        const at = argv.indexOf('--endpoint');
        if (at >= 0) argv.splice(at, 2);
        const profile = argv.indexOf('--profile');
        if (profile >= 0) argv.splice(profile, 2);
        argv = [...argv, '--endpoint', endpoint.url];
      }
      if (command === 'local serve') {
        const port = argv.indexOf('--port');
        argv = port >= 0 ? [...argv.slice(0, port), '--port', '0', ...argv.slice(port + 2)] : [...argv, '--port', '0'];
      }
      let err = '';
      const io: CliIo = {
        out: () => undefined,
        err: (t) => (err += t),
        onServe: (e) => served.push(e),
        checkOnly: (c) =>
          cmd.synopsis ||
          ['campaign', 'graph'].includes(c) ||
          (c === 'drill' &&
            scenarioFiles(argv.slice(1).filter((a) => /[/.]/.test(a) && !a.startsWith('-'))).length > 2),
      };
      const outcome = await runCliOutcome(argv, io);
      if (outcome.usage !== undefined) {
        failures.push(
          `${cmd.page}:${cmd.line}: ha-workflows ${cmd.text}\n    → ${outcome.usage}: ${err.split('\n')[0]}`,
        );
      }
    }
    expect(failures).toEqual([]);
  });
});
