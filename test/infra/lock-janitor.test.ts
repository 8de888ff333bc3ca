/**
 * The lock janitor in the example app: which executions start it (the rule's pattern), how the rule delivers
 * (dead-letter queue, retries), and what its role may do (explicit assertions on the security-relevant IAM). Its
 * behaviour is drilled in test/workflows/lock-janitor.test.ts and the stopped-* scenarios.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { HaFoundation, PropsError } from '../../workflows/base';
import { LockJanitor } from '../../workflows/lock-janitor';
import { TEST_APP_CONTEXT, type SynthesizedExampleApp, synthExampleApp } from '../harness/synth';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('the lock janitor in the example app', () => {
  let example: SynthesizedExampleApp;
  let primary: Resources;
  let dr: Resources;
  beforeAll(() => {
    // GIVEN the example configuration: instance-recovery, mirror-failover and snapshot-backup in the primary stack
    example = synthExampleApp();
    const of = (stack: unknown) =>
      example.stacks.find((s) => s.stack === stack)!.assertions.toJSON().Resources as Resources;
    primary = of(example.built.primary);
    dr = of(example.built.dr);
  });
  const logicalIdOf = (r: Resources, workflow: string) =>
    Object.entries(r).find(
      ([, x]) => x.Type === 'AWS::StepFunctions::StateMachine' && x.Metadata?.['ha-workflows:workflow'] === workflow,
    )?.[0];
  const janitorRule = () =>
    Object.values(primary).find(
      (x) => x.Type === 'AWS::Events::Rule' && JSON.stringify(x.Properties?.Targets).includes('LockJanitor'),
    )!;
  const janitorStatements = (): Statement[] =>
    Object.values(primary)
      .filter((x) => x.Type === 'AWS::IAM::Policy' && JSON.stringify(x.Properties?.Roles).includes('LockJanitorRole'))
      .flatMap((x) => (x.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);

  it('is one per stack: in the primary stack, not in the DR stack (dr-promotion has its own release)', () => {
    expect(logicalIdOf(primary, 'lock-janitor')).toBeDefined();
    expect(logicalIdOf(dr, 'lock-janitor')).toBeUndefined();
    expect(
      Object.keys(primary).filter(
        (id) =>
          primary[id].Type === 'AWS::StepFunctions::StateMachine' &&
          primary[id].Metadata?.['ha-workflows:workflow'] === 'lock-janitor',
      ),
    ).toHaveLength(1);
  });

  it('starts on ABORTED, TIMED_OUT and FAILED of the recovery, the failover and the backup run only', () => {
    const pattern = janitorRule().Properties?.EventPattern as {
      source: string[];
      'detail-type': string[];
      detail: { status: string[]; stateMachineArn: { Ref: string }[] };
    };
    expect(pattern.source).toEqual(['aws.states']);
    expect(pattern['detail-type']).toEqual(['Step Functions Execution Status Change']);
    expect(pattern.detail.status).toEqual(['ABORTED', 'TIMED_OUT', 'FAILED']);
    const watched = pattern.detail.stateMachineArn.map((a) => a.Ref).sort();
    const expected = ['instance-recovery', 'mirror-failover', 'snapshot-backup'].map((w) => logicalIdOf(primary, w));
    expect(watched).toEqual(expected.sort());
    // Not the per-instance backup machine (its rescue cleans up) nor the janitor itself.
    expect(watched).not.toContain(logicalIdOf(primary, 'snapshot-backup-instance'));
    expect(watched).not.toContain(logicalIdOf(primary, 'lock-janitor'));
  });

  it('delivers with a dead-letter queue and bounded retries, like the other status-event rules', () => {
    const [target] = janitorRule().Properties?.Targets as Record<string, unknown>[];
    // It starts the janitor's live alias (docs/operations.md), which routes to the janitor's version.
    const [aliasId, alias] = Object.entries(primary).find(
      ([, x]) =>
        x.Type === 'AWS::StepFunctions::StateMachineAlias' && x.Metadata?.['ha-workflows:workflow'] === 'lock-janitor',
    )!;
    expect(target.Arn).toEqual({ Ref: aliasId });
    const [{ StateMachineVersionArn }] = alias.Properties?.RoutingConfiguration as {
      StateMachineVersionArn: { Ref: string };
    }[];
    expect(primary[StateMachineVersionArn.Ref].Properties?.StateMachineArn).toEqual({
      Ref: logicalIdOf(primary, 'lock-janitor'),
    });
    expect(target.DeadLetterConfig).toBeDefined();
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 });
  });

  it('may only scan and update the state table, publish to the operators topic, use the key and list instances', () => {
    const statements = janitorStatements();
    const actions = statements.flatMap(actionsOf).sort();
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:Scan', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'sns:Publish']),
    );
    const table = Object.keys(primary).find((id) => primary[id].Type === 'AWS::DynamoDB::Table')!;
    const topic = Object.keys(primary).find((id) => primary[id].Type === 'AWS::SNS::Topic')!;
    for (const s of statements) {
      const resource = JSON.stringify(s.Resource);
      // "*" only for tracing, log delivery and DescribeInstances (the replacements a stopped recovery launched),
      // which have no resource-level permissions.
      if (resource === '"*"')
        expect(actionsOf(s).filter((a) => !/^(logs|xray):/.test(a) && a !== 'ec2:DescribeInstances')).toEqual([]);
      for (const action of actionsOf(s)) {
        if (action.startsWith('dynamodb:')) expect(resource).toContain(table);
        if (action === 'sns:Publish') expect(resource).toContain(topic);
      }
    }
    // Nothing that deletes, reads items one by one or touches another service's resources (EC2: only reads).
    expect(actions.filter((a) => !/^(dynamodb|sns|kms|logs|xray):/.test(a))).toEqual(['ec2:DescribeInstances']);
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });
});

describe('LockJanitor props', () => {
  it('refuses an empty list of state machines, naming the prop', () => {
    const app = new App({ context: TEST_APP_CONTEXT });
    const stack = new Stack(app, 'Ha', { env: { account: '123456789012', region: 'eu-west-1' } });
    const foundation = new HaFoundation(stack, 'Foundation');
    const stateMachines: sfn.IStateMachine[] = [];
    expect(() => new LockJanitor(stack, 'Janitor', { foundation, stateMachines })).toThrow(PropsError);
    expect(() => new LockJanitor(stack, 'Janitor2', { foundation, stateMachines })).toThrow(/stateMachines: got \[\]/);
  });
});
