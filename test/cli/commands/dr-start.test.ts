/**
 * `ha-workflows dr start` against the local Step Functions endpoint serving the example configuration's DR stack
 * (the real dr-promotion state machine on the engine), through the real @aws-sdk/client-sfn over HTTP.
 */
import * as path from 'node:path';
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import {
  buildDrRequest,
  consoleLink,
  drExecutionName,
  drStateMachine,
  InvalidDrRequest,
  startDrPromotion,
} from '../../../cli/commands/dr-start';
import { serve } from '../../../cli/serve';
import type { LocalEndpoint } from '../../../local/server';

const CONFIG = path.join(__dirname, '..', '..', '..', 'infra', 'config', 'example.json');
const FLAGS = {
  mirrorSet: 'db-1',
  member: 'i-0ccccccccccccccc3',
  reason: 'eu-west-1 database site lost since 09:40',
  requestedBy: 'jane',
};

describe('ha-workflows dr start', () => {
  let endpoint: LocalEndpoint;
  let client: SFNClient;
  const started: string[] = [];

  beforeAll(async () => {
    ({ endpoint } = await serve({ port: 0, config: CONFIG, site: 'dr' }));
    client = new SFNClient({
      endpoint: endpoint.url,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    // The started executions wait for their approval: stop them, as an operator would.
    for (const executionArn of new Set(started)) await client.send(new StopExecutionCommand({ executionArn }));
    client.destroy();
    await endpoint.close();
  });

  it('refuses an invalid request before any call, listing every problem', () => {
    // GIVEN a request with a bad set name, no member and a short reason WHEN it is built THEN nothing is called
    let error: unknown;
    try {
      buildDrRequest({ mirrorSet: 'db 1', reason: 'x', requestedBy: 'jane' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidDrRequest);
    expect((error as InvalidDrRequest).problems).toEqual([
      expect.stringMatching(/^\$\.mirrorSet: got "db 1"; expected a mirror set name/),
      expect.stringMatching(/^\$\.member: missing; expected an instance id/),
      expect.stringMatching(/^\$\.reason: got "x"; expected a text of 10 to 500 characters/),
    ]);
  });

  it('starts the dr-promotion execution, named after the request, and links to the console', async () => {
    const request = buildDrRequest(FLAGS);
    const machine = await drStateMachine(client, {}, {});
    const result = await startDrPromotion(client, machine, request);
    started.push(result.executionArn);
    expect(result.started).toBe(true);
    // Started through the live alias; the execution ARN is built from the state machine's name, not the alias.
    expect(machine).toMatch(/:stateMachine:[^:]+:live$/);
    expect(result.executionArn).toBe(
      `${machine.replace(/:live$/, '').replace(':stateMachine:', ':execution:')}:${drExecutionName(request)}`,
    );
    const viaAlias = await client.send(new DescribeExecutionCommand({ executionArn: result.executionArn }));
    expect(viaAlias.stateMachineAliasArn).toBe(machine);
    expect(result.consoleUrl).toBe(
      `https://eu-central-1.console.aws.amazon.com/states/home?region=eu-central-1#/v2/executions/details/${result.executionArn}`,
    );
    const described = await client.send(new DescribeExecutionCommand({ executionArn: result.executionArn }));
    expect(JSON.parse(described.input!)).toMatchObject({ ...FLAGS, practice: false, allowUnfenced: false });
  });

  it('does not start a second execution when the same command runs again', async () => {
    const machine = await drStateMachine(client, {}, {});
    const first = await startDrPromotion(client, machine, buildDrRequest(FLAGS));
    const again = await startDrPromotion(client, machine, buildDrRequest(FLAGS));
    started.push(first.executionArn);
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.started).toBe(false);
    expect(again.status).toMatch(/^(RUNNING|SUCCEEDED|FAILED)$/);
  });

  it('names a different request differently (a practice run is not the promotion)', () => {
    expect(drExecutionName(buildDrRequest({ ...FLAGS, practice: true }))).not.toBe(
      drExecutionName(buildDrRequest(FLAGS)),
    );
    expect(drExecutionName(buildDrRequest(FLAGS))).toMatch(/^dr-db-1-[0-9a-f]{16}$/);
    expect(consoleLink('arn:aws:states:eu-central-1:1:execution:m:n')).toContain('eu-central-1.console.aws');
  });
});
