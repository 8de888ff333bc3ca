/**
 * The probe against a real HTTP server on 127.0.0.1 (node:http, an ephemeral port, closed after the tests), through
 * the deployed client (`HttpClient`: fetch with an AbortSignal timeout), so status codes, bodies, timeouts and
 * refused connections are the network's own, not a mock's.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeHandler } from '../../tasks/probe-mirror-members/handler';
import type { ProbeMirrorMembersOutput } from '../../tasks/probe-mirror-members/contract';
import { TaskErrorNames } from '../../contracts/errors';
import { GetCommand, HttpClient } from '../../tasks/shared/http';
import { silentLogger } from '../harness/task-mocks';

const A = 'i-0aaaaaaaaaaaaaaa1';
const B = 'i-0bbbbbbbbbbbbbbb2';
const START = '2026-01-05T09:00:00.000Z';
const START_EPOCH = Date.parse(START) / 1000;

/** What each path of the test server answers (status, body); `hang` never answers. */
const ROUTES: Record<string, { status: number; body: string } | 'hang'> = {
  '/primary': { status: 200, body: 'SUCCESS' },
  '/primary-newline': { status: 200, body: 'SUCCESS\r\n' },
  '/backup': { status: 503, body: 'FAILED' },
  '/error': { status: 500, body: 'Internal Server Error' },
  '/garbage': { status: 200, body: '<html><body>CSP Gateway: service unavailable, try later</body></html>' },
  '/redirect': { status: 302, body: '' },
  '/hang': 'hang',
};

let server: Server;
let base: string;
/** A URL on which nothing listens (its port was bound, then released). */
let refusedUrl: string;
/** Requests the server received, by path (to show the probe never retries). */
const hits: Record<string, number> = {};
/**
 * This test's hanging requests open right now, and the most that were open at once (to show that members are probed
 * in parallel without measuring time). `test` tells this test's requests from an earlier test's still closing.
 */
const hanging = { test: 0, open: 0, most: 0 };

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    const route = ROUTES[path];
    if (route === 'hang') {
      // never answers; the client's timeout (or afterAll) closes it
      const test = hanging.test;
      hanging.open += 1;
      hanging.most = Math.max(hanging.most, hanging.open);
      req.socket.once('close', () => {
        if (hanging.test === test) hanging.open -= 1;
      });
      return;
    }
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(route.status, {
      'content-type': 'text/plain',
      ...(route.status === 302 ? { location: '/primary' } : {}),
    });
    res.end(route.body);
  });
  base = `http://127.0.0.1:${await listen(server)}`;
  const closed = createServer();
  const port = await listen(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  refusedUrl = `http://127.0.0.1:${port}/csp/bin/mirror_status.cxw`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  for (const k of Object.keys(hits)) delete hits[k];
  Object.assign(hanging, { test: hanging.test + 1, open: 0, most: 0 });
});

const probe = makeHandler({ http: new HttpClient() }, silentLogger('probe-mirror-members'));

/**
 * Probes members given as `[instanceId, path or full URL]`. The timeouts are generous (10 s; 3 s where a member never
 * answers): a loaded 2-core machine must not turn a local answer into a timeout.
 */
function probeMembers(members: [string, string][], timeoutSeconds = 10): Promise<ProbeMirrorMembersOutput> {
  return probe({
    mirrorSet: 'db-1',
    members: members.map(([instanceId, p]) => ({ instanceId, url: p.startsWith('http') ? p : `${base}${p}` })),
    timeoutSeconds,
    executionStartTime: START,
    lockTtlSeconds: 900,
  });
}

describe('probe-mirror-members against a real HTTP server', () => {
  it('finds the one primary: 200 SUCCESS, while the backup answers 503 FAILED', async () => {
    // GIVEN member A answers 503 FAILED and member B 200 SUCCESS
    // WHEN both are probed
    const out = await probeMembers([
      [A, '/backup'],
      [B, '/primary'],
    ]);
    // THEN B is the one primary, and the lock's times come from the execution's start
    expect(out).toMatchObject({
      primaryCount: 1,
      primary: B,
      primaries: B,
      nowEpoch: START_EPOCH,
      lockExpiresAt: START_EPOCH + 900,
      members: [
        { instanceId: A, answer: 'FAILED', statusCode: 503 },
        { instanceId: B, answer: 'SUCCESS', statusCode: 200 },
      ],
    });
    expect(out.summary).toBe(`${A} FAILED (HTTP 503); ${B} SUCCESS (HTTP 200)`);
  });

  it('accepts SUCCESS followed by a line break', async () => {
    // GIVEN a status page that ends its answer with CRLF
    // WHEN it is probed
    const out = await probeMembers([[A, '/primary-newline']]);
    // THEN it counts as the primary
    expect(out.members[0]).toMatchObject({ answer: 'SUCCESS', statusCode: 200 });
  });

  it.each([
    ['a 500', '/error', 500, 'HTTP 500 with body "Internal Server Error"'],
    [
      'a 200 whose body is not SUCCESS',
      '/garbage',
      200,
      'HTTP 200 with body "<html><body>CSP Gateway: service unavail…"',
    ],
    ['a redirect (not followed)', '/redirect', 302, 'HTTP 302 with body ""'],
    ['a 404', '/nothing-here', 404, 'HTTP 404 with body "not found"'],
  ])('does not count %s as primary, and asks only once', async (_what, path, statusCode, detail) => {
    // GIVEN a member whose status page answers this
    // WHEN it is probed next to a real primary
    const out = await probeMembers([
      [A, path],
      [B, '/primary'],
    ]);
    // THEN it is UNEXPECTED, B stays the one primary, and the member was asked exactly once (no retries)
    expect(out.members[0]).toEqual({ instanceId: A, answer: 'UNEXPECTED', statusCode, detail });
    expect(out).toMatchObject({ primaryCount: 1, primary: B });
    expect(hits[path]).toBe(1);
  });

  it('gives up on a member that does not answer within the timeout, without waiting for it', async () => {
    // GIVEN member A accepts the connection but never answers; B is primary
    // WHEN both are probed with a 3 s timeout
    const out = await probeMembers(
      [
        [A, '/hang'],
        [B, '/primary'],
      ],
      3,
    );
    // THEN the probe returns (the hanging answer never comes): A is unreachable (ETIMEDOUT), asked once; B is primary
    expect(out.members[0]).toEqual({ instanceId: A, answer: 'UNREACHABLE', detail: 'ETIMEDOUT' });
    expect(out).toMatchObject({ primaryCount: 1, primary: B });
    expect(hits['/hang']).toBe(1);
  });

  it('probes the members in parallel: both silent members are asked before either times out', async () => {
    // GIVEN two members that never answer
    // WHEN both are probed with a 3 s timeout
    const out = await probeMembers(
      [
        [A, '/hang'],
        [B, '/hang'],
      ],
      3,
    );
    // THEN both time out, and both requests were open at the same moment (no wall-clock measure: the server counts)
    expect(out.members.map((m) => m.detail)).toEqual(['ETIMEDOUT', 'ETIMEDOUT']);
    expect(out).toMatchObject({ primaryCount: 0, primary: 'none', primaries: 'none' });
    expect(hits['/hang']).toBe(2);
    expect(hanging.most).toBe(2);
  });

  it('reads a refused connection as unreachable', async () => {
    // GIVEN member A's address where nothing listens on the status port
    // WHEN it is probed
    const out = await probeMembers([
      [A, refusedUrl],
      [B, '/backup'],
    ]);
    // THEN it is UNREACHABLE with ECONNREFUSED, and no member is primary
    expect(out.members[0]).toEqual({ instanceId: A, answer: 'UNREACHABLE', detail: 'ECONNREFUSED' });
    expect(out).toMatchObject({ primaryCount: 0, primary: 'none' });
  });

  it('reports every member that answers SUCCESS, and names no single primary (split brain)', async () => {
    // GIVEN both members answer 200 SUCCESS
    // WHEN they are probed
    const out = await probeMembers([
      [A, '/primary'],
      [B, '/primary'],
    ]);
    // THEN two primaries are counted and none is chosen
    expect(out).toMatchObject({ primaryCount: 2, primary: 'none', primaries: `${A}, ${B}` });
  });

  it('rejects input without members, with a zero timeout or without a start time, naming each problem', async () => {
    // GIVEN an input with no members, a bad timeout and no start time
    // WHEN the handler parses it
    const failure = await probe({ mirrorSet: 'db-1', members: [], timeoutSeconds: 0, lockTtlSeconds: 900 }).catch(
      (e: unknown) => e as Error,
    );
    // THEN it fails with InvalidTaskInput listing each field
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe(TaskErrorNames.InvalidTaskInput);
    expect((failure as Error).message).toContain('$.members: got []; expected at least 1 item(s)');
    expect((failure as Error).message).toContain('$.timeoutSeconds: got 0;');
    expect((failure as Error).message).toContain('$.executionStartTime: missing;');
  });
});

describe('HttpClient', () => {
  it('returns any status with its body, and names a network failure after Node (no response, no status)', async () => {
    // GIVEN the deployed client
    const client = new HttpClient();
    // WHEN it GETs a 503 page and a refused port
    const answered = await client.send(new GetCommand({ Url: `${base}/backup`, TimeoutSeconds: 1 }));
    const refused = await client.send(new GetCommand({ Url: refusedUrl, TimeoutSeconds: 1 })).catch((e: Error) => e);
    // THEN the 503 is an answer, the refused connection an error named ECONNREFUSED
    expect(answered).toEqual({ StatusCode: 503, Body: 'FAILED' });
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).name).toBe('ECONNREFUSED');
  });
});
