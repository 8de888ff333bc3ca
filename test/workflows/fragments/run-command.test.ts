/**
 * The runCommand fragment on its own: each shape built in a throwaway state machine, and the rendered ASL asserted
 * state by state (names, transitions, Retry, Catch, poll counters). The workflows that use it are drilled in their
 * scenario suites.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  INVOCATION_VISIBLE_RETRY,
  pollUntilNames,
  runCommand,
  type RunCommandProps,
  throttlingRetry,
} from '../../../workflows/fragments';
import { Aws, States } from '../../../contracts/errors';
import {
  checkErrorNames,
  checkSdkParameters,
  type SynthesizedStateMachine,
  synthesize,
  TEST_APP_CONTEXT,
  validateAsl,
} from '../../harness';

type AslState = Record<string, unknown> & {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: Record<string, unknown>[];
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
};
type Asl = { StartAt: string; States: Record<string, AslState> };

const RUNNING = [
  { Variable: '$.result.status', StringEquals: 'Pending' },
  { Variable: '$.result.status', StringEquals: 'InProgress' },
  { Variable: '$.result.status', StringEquals: 'Delayed' },
];

/** The props every case shares; each case adds its outcome and anything it varies. */
function common(): Omit<RunCommandProps, 'outcome'> {
  return {
    documentPath: '$.doc',
    instanceIdPath: '$.instanceId',
    parameters: '$.params',
    comment: 'run-command test',
    sendPolicy: [new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: ['*'] })],
    readPolicy: [new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation'], resources: ['*'] })],
    commandPath: '$.command',
    resultPath: '$.result',
    keep: ['status', 'endedAt'],
    interval: Duration.seconds(2),
    maxPolls: '$.maxPolls',
    counterPath: '$.polls.command',
  };
}

/** One state machine per case, in one stack, synthesized once. */
const CASES: Record<string, (scope: Construct) => sfn.IChainable> = {
  // Classified as it ends, with a separate end for "timed out" and two catches on SendCommand.
  byStatus: (scope) => {
    const failed = new sfn.Fail(scope, 'Failed');
    const notSent = new sfn.Fail(scope, 'Not sent');
    return runCommand(scope, 'the freeze', {
      ...common(),
      catchSend: [
        { errors: ['Ssm.InvalidInstanceIdException'], next: notSent, resultPath: '$.failure' },
        { next: failed, resultPath: '$.failure' },
      ],
      catchRead: [{ next: failed, resultPath: '$.failure' }],
      outcome: {
        succeeded: new sfn.Succeed(scope, 'Succeeded'),
        failed,
        timedOut: new sfn.Fail(scope, 'Timed out'),
      },
    });
  },
  // Classified, no separate "timed out", a fixed number of polls, the retries chosen by the caller.
  byStatusPlain: (scope) =>
    runCommand(scope, 'the thaw', {
      ...common(),
      maxPolls: 7,
      sendRetry: { errors: [Aws.SSM_THROTTLING], maxAttempts: 2 },
      readRetries: [],
      outcome: { succeeded: new sfn.Succeed(scope, 'Succeeded'), failed: new sfn.Fail(scope, 'Failed') },
    }),
  // Polled until it ends (pollUntil's loop and names), the comment built from the execution's name.
  untilEnded: (scope) =>
    runCommand(
      scope,
      { send: 'Promote', read: 'Read the promotion', ...pollUntilNames('the promotion finished') },
      {
        ...common(),
        maxPolls: 12,
        keep: ['status', 'details', 'code', 'output', 'errors', 'endedAt'],
        comment: sfn.JsonPath.format('promotion {}', sfn.JsonPath.stringAt('$$.Execution.Name')),
        outcome: { ended: new sfn.Succeed(scope, 'Ended'), stillRunning: new sfn.Fail(scope, 'Still running') },
      },
    ),
};

let machines: Record<string, SynthesizedStateMachine>;
beforeAll(() => {
  const app = new App({ context: TEST_APP_CONTEXT });
  const stack = new Stack(app, 'RunCommandTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const ids: Record<string, string> = {};
  for (const [name, build] of Object.entries(CASES)) {
    const scope = new Construct(stack, name);
    const machine = new sfn.StateMachine(scope, 'Machine', {
      definitionBody: sfn.DefinitionBody.fromChainable(build(scope)),
      timeout: Duration.hours(1),
    });
    ids[stack.resolve(machine.stateMachineArn).Ref as string] = name;
  }
  machines = Object.fromEntries(synthesize(app).stateMachines.map((m) => [ids[m.logicalId], m]));
});
const asl = (name: string) => machines[name].definition as unknown as Asl;

describe('runCommand', () => {
  it.each(Object.keys(CASES))('renders valid ASL whose SDK parameters and error names are real (%s)', (name) => {
    // GIVEN the case's state machine / WHEN checked / THEN nothing is found
    const options = { name };
    expect(validateAsl(asl(name), options)).toEqual([]);
    expect(checkSdkParameters(asl(name), options)).toEqual([]);
    expect(checkErrorNames(asl(name), options)).toEqual([]);
  });

  it('starts with SendCommand of the document on the one instance, keeping only the command id', () => {
    // GIVEN the classified case / WHEN rendered
    const { StartAt, States: states } = asl('byStatus');
    // THEN SendCommand comes first, named by the prefix, with the API's minimum delivery timeout
    expect(StartAt).toBe('Send the freeze');
    const send = states['Send the freeze'];
    expect(send.Resource).toBe('arn:aws:states:::aws-sdk:ssm:sendCommand');
    expect(send.Parameters).toEqual({
      'DocumentName.$': '$.doc',
      'InstanceIds.$': 'States.Array($.instanceId)',
      'Parameters.$': '$.params',
      TimeoutSeconds: 30,
      Comment: 'run-command test',
    });
    expect(send.ResultSelector).toEqual({ 'commandId.$': '$.Command.CommandId' });
    expect(send.ResultPath).toBe('$.command');
    expect(send.TimeoutSeconds).toEqual(expect.any(Number));
  });

  it('classifies the end: Success, still running with polls left, timed out, anything else', () => {
    // GIVEN the classified case with a "timed out" end / WHEN rendered
    const states = asl('byStatus').States;
    // THEN the loop is start → wait → read → decide, and "count" goes back to the wait
    expect(states['Send the freeze'].Next).toBe('Start checking the freeze');
    expect(states['Start checking the freeze']).toMatchObject({
      Type: 'Pass',
      Result: { attempts: 1 },
      ResultPath: '$.polls.command',
      Next: 'Wait for the freeze',
    });
    expect(states['Wait for the freeze']).toMatchObject({
      Type: 'Wait',
      Seconds: 2,
      Next: 'Read the result of the freeze',
    });
    expect(states['Read the result of the freeze'].Next).toBe('Has the freeze ended?');
    expect(states['Count check of the freeze']).toMatchObject({
      Parameters: { 'attempts.$': 'States.MathAdd($.polls.command.attempts, 1)' },
      ResultPath: '$.polls.command',
      Next: 'Wait for the freeze',
    });
    // AND the decision reads the status and the counter against the limit at $.maxPolls
    expect(states['Has the freeze ended?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.result.status', StringEquals: 'Success', Next: 'Succeeded' },
        {
          And: [{ Or: RUNNING }, { Variable: '$.polls.command.attempts', NumericLessThanPath: '$.maxPolls' }],
          Next: 'Count check of the freeze',
        },
        { Or: [{ Or: RUNNING }, { Variable: '$.result.status', StringEquals: 'TimedOut' }], Next: 'Timed out' },
      ],
      Default: 'Failed',
    });
  });

  it('without a "timed out" end, sends a command still running after its last poll where any failure goes', () => {
    // GIVEN the plain classified case (7 polls) / WHEN rendered
    const decide = asl('byStatusPlain').States['Has the thaw ended?'];
    // THEN two choices, the counter compared with the number, and the default is "failed"
    expect(decide.Choices).toHaveLength(2);
    expect(decide.Choices![1]).toEqual({
      And: [{ Or: RUNNING }, { Variable: '$.polls.command.attempts', NumericLessThan: 7 }],
      Next: 'Count check of the thaw',
    });
    expect(decide.Default).toBe('Failed');
  });

  it('polls until the command ends with pollUntil’s loop: wait first, count, read, decide', () => {
    // GIVEN the until-ended case / WHEN rendered
    const states = asl('untilEnded').States;
    // THEN the names are pollUntil's, and the count comes before each read
    expect(states['Promote'].Next).toBe('Start checking the promotion finished');
    expect(states['Start checking the promotion finished'].Next).toBe('Wait before checking the promotion finished');
    expect(states['Wait before checking the promotion finished'].Next).toBe('Count check of the promotion finished');
    expect(states['Count check of the promotion finished'].Next).toBe('Read the promotion');
    expect(states['Read the promotion'].Next).toBe('Is the promotion finished?');
    // AND the decision goes to "ended" on any end, to "still running" once the 12 polls are used up
    expect(states['Is the promotion finished?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Not: { Or: RUNNING }, Next: 'Ended' },
        { Variable: '$.polls.command.attempts', NumericGreaterThanEquals: 12, Next: 'Still running' },
      ],
      Default: 'Wait before checking the promotion finished',
    });
    // AND a comment made of a JsonPath token is rendered as an intrinsic
    expect(states['Promote'].Parameters).toMatchObject({
      'Comment.$': "States.Format('promotion {}', $$.Execution.Name)",
    });
  });

  it('keeps the invocation fields asked for, in that order', () => {
    // GIVEN the until-ended case, which keeps all six / WHEN rendered
    const read = asl('untilEnded').States['Read the promotion'];
    // THEN each is selected from GetCommandInvocation's answer under its short name
    expect(read.Resource).toBe('arn:aws:states:::aws-sdk:ssm:getCommandInvocation');
    expect(read.Parameters).toEqual({ 'CommandId.$': '$.command.commandId', 'InstanceId.$': '$.instanceId' });
    expect(Object.entries(read.ResultSelector as object)).toEqual([
      ['status.$', '$.Status'],
      ['details.$', '$.StatusDetails'],
      ['code.$', '$.ResponseCode'],
      ['output.$', '$.StandardOutputContent'],
      ['errors.$', '$.StandardErrorContent'],
      ['endedAt.$', '$.ExecutionEndDateTime'],
    ]);
    expect(read.ResultPath).toBe('$.result');
  });

  it('retries throttling, a lost read and an invocation not yet visible, and catches in the order given', () => {
    // GIVEN the classified case / WHEN rendered
    const states = asl('byStatus').States;
    const send = states['Send the freeze'];
    const read = states['Read the result of the freeze'];
    // THEN SendCommand retries throttling only (never a timeout: a second send would run the command twice)
    expect(send.Retry!.map((r) => r.ErrorEquals)).toEqual([throttlingRetry('aws-sdk:ssm').errors]);
    // AND the read retries throttling, States.Timeout, and InvocationDoesNotExist (3 times, up to 4 s apart)
    expect(read.Retry!.map((r) => r.ErrorEquals)).toEqual([
      throttlingRetry('aws-sdk:ssm').errors,
      [States.TIMEOUT],
      [Aws.SSM_INVOCATION_DOES_NOT_EXIST],
    ]);
    expect(read.Retry![2].MaxAttempts).toBe(INVOCATION_VISIBLE_RETRY.maxAttempts);
    // AND each error goes where the caller said, States.ALL last
    expect(send.Catch).toEqual([
      { ErrorEquals: ['Ssm.InvalidInstanceIdException'], ResultPath: '$.failure', Next: 'Not sent' },
      { ErrorEquals: [States.ALL], ResultPath: '$.failure', Next: 'Failed' },
    ]);
    expect(read.Catch).toEqual([{ ErrorEquals: [States.ALL], ResultPath: '$.failure', Next: 'Failed' }]);
  });

  it('takes the caller’s retries instead of the defaults', () => {
    // GIVEN the plain case: SendCommand retried twice on throttling, no extra read retry / WHEN rendered
    const states = asl('byStatusPlain').States;
    // THEN exactly those
    expect(states['Send the thaw'].Retry).toEqual([{ ErrorEquals: [Aws.SSM_THROTTLING], MaxAttempts: 2 }]);
    expect(states['Read the result of the thaw'].Retry!.map((r) => r.ErrorEquals)).toEqual([
      throttlingRetry('aws-sdk:ssm').errors,
      [States.TIMEOUT],
    ]);
    // AND without catches an error is left to the caller (no Catch at all)
    expect(states['Send the thaw'].Catch).toBeUndefined();
  });

  it('with countWiredFirst, lists the same states in another order and nothing else changes', () => {
    // GIVEN the same command built twice, a failed read sending it again (as the thaw does), once with countWiredFirst
    const render = (countWiredFirst: boolean) => {
      const scope = new Stack(new App(), 'Order');
      const again = new sfn.Pass(scope, 'Send again');
      const send = runCommand(scope, 'the thaw', {
        ...common(),
        catchRead: [{ next: again, resultPath: '$.error' }],
        outcome: { succeeded: new sfn.Succeed(scope, 'Thawed'), failed: again, countWiredFirst },
      });
      again.next(send);
      return scope.resolve(new sfn.StateGraph(send, 'test').toGraphJson()) as Asl;
    };
    // WHEN rendered both ways
    const [plain, countFirst] = [render(false), render(true)];
    // THEN the states are equal, and only their listing order differs
    expect(countFirst).toEqual(plain);
    expect(Object.keys(countFirst.States)).not.toEqual(Object.keys(plain.States));
    expect(Object.keys(countFirst.States).sort()).toEqual(Object.keys(plain.States).sort());
  });
});
