import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { explainAwsError } from '../../cli/aws';
import { approve, NothingToApprove, pendingApproval, reject } from '../../cli/commands/approve';
import { formatStatus, recentExecutions, stateMachinesToReport } from '../../cli/commands/status';
import { fullHistory, watchExecution } from '../../cli/commands/watch';
import { VirtualClock } from '../../local/clock';
import { buildWorld } from '../../local/drill';
import { SimulatedRegion } from '../../local/region/region';
import { environmentSchema } from '../../local/scenario/schema';
import { type LocalEndpoint, serveStepFunctions } from '../../local/server';
import { APPROVAL_ENV, APPROVAL_MACHINE, approvalTemplate } from '../fixtures/approval-template';

const ENV = APPROVAL_ENV;
const MACHINE = APPROVAL_MACHINE;

/** A template with one workflow that waits for an approval, passing its token as an SNS message attribute. */
const definition = {
  StartAt: 'Ask for approval',
  TimeoutSeconds: 3600,
  States: {
    'Ask for approval': {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: {
        TopicArn: '__TOPIC__',
        'Message.$': "States.Format('Approve change {}', $.change)",
        MessageAttributes: { TaskToken: { DataType: 'String', 'StringValue.$': '$$.Task.Token' } },
      },
      HeartbeatSeconds: 600,
      TimeoutSeconds: 1800,
      ResultPath: '$.approval',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};
const template = approvalTemplate(definition);

describe('ha-workflows local serve + watch / approve / reject / status', () => {
  let endpoint: LocalEndpoint;
  let client: SFNClient;

  beforeAll(async () => {
    const region = new SimulatedRegion({
      seed: 3,
      ...{ regionName: ENV.region, accountId: ENV.account },
      clock: new VirtualClock(Date.now()),
    });
    buildWorld(region, template, ENV, environmentSchema.parse({}), { broker: 'live' });
    endpoint = await serveStepFunctions(region, 0);
    client = new SFNClient({
      endpoint: endpoint.url,
      region: ENV.region,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    // chg-1 still waits for its approval: stop it (an operator's StopExecution) so nothing is left pending.
    await client.send(
      new StopExecutionCommand({ executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:chg-1` }),
    );
    client.destroy();
    await endpoint.close();
  });

  async function waitingForApproval(arn: string) {
    for (let i = 0; i < 50; i++) {
      if (pendingApproval(await fullHistory(client, arn))) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('never waited for approval');
  }

  it('starts an execution idempotently by name and answers a different input with ExecutionAlreadyExists', async () => {
    const input = JSON.stringify({ change: 'CHG-1' });
    const a = await client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'chg-1', input }));
    const b = await client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'chg-1', input }));
    expect(b.executionArn).toBe(a.executionArn);
    expect(a.startDate).toBeInstanceOf(Date);
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'chg-1', input: '{"change":"other"}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('approves the waiting task and the watch follows it to SUCCEEDED', async () => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'chg-2', input: '{"change":"CHG-2"}' }),
    );
    const arn = executionArn as string;
    await waitingForApproval(arn);
    await expect(approve(client, arn, 'alice')).resolves.toMatchObject({ state: 'Ask for approval' });
    const lines: string[] = [];
    const status = await watchExecution(client, arn, { write: (t) => lines.push(t), intervalMs: 20, maxWaitMs: 5000 });
    expect(status).toBe('SUCCEEDED');
    expect(lines.join('')).toMatch(/▶ Ask for approval[\s\S]*✓ Ask for approval[\s\S]*SUCCEEDED after/);
    const described = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(JSON.parse(described.output as string).approval).toMatchObject({ approved: true, approvedBy: 'alice' });
    await expect(approve(client, arn, 'alice')).rejects.toBeInstanceOf(NothingToApprove);
  });

  it('rejects with a reason: the execution fails with Rejected and the cause names who and why', async () => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'chg-3', input: '{"change":"CHG-3"}' }),
    );
    const arn = executionArn as string;
    await waitingForApproval(arn);
    await reject(client, arn, 'bob', 'change freeze');
    const lines: string[] = [];
    expect(await watchExecution(client, arn, { write: (t) => lines.push(t), intervalMs: 20, maxWaitMs: 5000 })).toBe(
      'FAILED',
    );
    expect(lines.join('')).toContain('FAILED after');
    expect(lines.join('')).toContain('cause: Rejected by bob: change freeze');
  });

  it('returns typed service errors and lists recent executions per workflow', async () => {
    await expect(
      client.send(
        new DescribeExecutionCommand({ executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:nope` }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    const machines = await stateMachinesToReport(client, { endpoint: endpoint.url }, {});
    expect(machines).toEqual([{ workflow: 'change-approval', arn: MACHINE }]);
    const rows = await recentExecutions(client, machines, 5);
    expect(rows.map((r) => r.name)).toEqual(['chg-3', 'chg-2', 'chg-1']);
    expect(rows[0]).toMatchObject({ executionArn: expect.stringMatching(/:chg-3$/), error: 'Rejected' });
    expect(formatStatus(rows)).toMatch(/change-approval\s+chg-3\s+FAILED Rejected/);
  });

  it('refuses an operation it does not serve, naming the ones it does', async () => {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.CreateStateMachine', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      __type: expect.stringContaining('UnknownOperationException'),
      message: expect.stringContaining('StartExecution'),
    });
  });
});

describe('explainAwsError', () => {
  it('turns a missing region or credentials into one sentence', () => {
    expect(explainAwsError(new Error('Region is missing'))).toMatch(/^No AWS Region is configured: pass --region/);
    expect(
      explainAwsError(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      ),
    ).toMatch(/^No AWS credentials were found/);
    expect(explainAwsError(Object.assign(new Error('nope'), { name: 'ExecutionDoesNotExist' }))).toBe(
      'ExecutionDoesNotExist: nope',
    );
  });
});
