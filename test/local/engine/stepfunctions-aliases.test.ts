/**
 * Versions and aliases in the simulated Step Functions service: StartExecution through an alias or a version,
 * DescribeExecution naming them, ListExecutions by them, and what AWS refuses (Step Functions API Reference,
 * StartExecution / DescribeExecution / ListExecutions; CloudFormation Template Reference,
 * AWS::StepFunctions::StateMachineVersion / StateMachineAlias).
 */
import { StepFunctionsSimulator } from '../../../local/engine/stepfunctions';
import { AwsApiError } from '../../../local/region/errors';
import { SimulatedRegion } from '../../../local/region/region';
import { type CfnTemplate, resolveQualifiers, TemplateError, TemplateResolver } from '../../../local/template';

const ACCOUNT = '123456789012';
const MACHINE = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:backup`;
const pass = { StartAt: 'Done', TimeoutSeconds: 60, States: { Done: { Type: 'Pass', End: true } } };

/** A template as CDK writes it: a state machine, its version (of its revision) and the live alias. */
const template = (
  routing: unknown[] = [{ StateMachineVersionArn: { Ref: 'Version1' }, Weight: 100 }],
): CfnTemplate => ({
  Resources: {
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { StateMachineName: 'backup', DefinitionString: JSON.stringify(pass) },
    },
    Version1: {
      Type: 'AWS::StepFunctions::StateMachineVersion',
      Properties: {
        StateMachineArn: { Ref: 'Machine' },
        StateMachineRevisionId: { 'Fn::GetAtt': ['Machine', 'StateMachineRevisionId'] },
      },
    },
    Live: {
      Type: 'AWS::StepFunctions::StateMachineAlias',
      Properties: { Name: 'live', RoutingConfiguration: routing },
    },
  },
});

function world() {
  const region = new SimulatedRegion({ seed: 3, accountId: ACCOUNT });
  const sfn = new StepFunctionsSimulator(region, { broker: 'live' });
  sfn.addMachine(MACHINE, pass);
  const qualifiers = resolveQualifiers(template(), { account: ACCOUNT, region: 'us-east-1' });
  for (const q of qualifiers.filter((x) => x.kind === 'version')) sfn.addQualifier(q);
  for (const q of qualifiers.filter((x) => x.kind === 'alias')) sfn.addQualifier(q);
  region.register(sfn);
  const call = (action: string, input: Record<string, unknown>) =>
    region.call('sfn', action, input) as Promise<Record<string, unknown>>;
  return { sfn, call };
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AwsApiError) return e.code;
    throw e;
  }
  throw new Error('expected an error');
}

describe('the template resolver', () => {
  it('gives a version the ARN <state machine>:<number> and an alias <state machine>:<name>, as Ref returns them', () => {
    const resolver = new TemplateResolver(template(), { account: ACCOUNT, region: 'us-east-1' });
    expect(resolver.ref('Version1')).toBe(`${MACHINE}:1`);
    expect(resolver.ref('Live')).toBe(`${MACHINE}:live`);
    expect(resolver.getAtt('Live', 'Arn')).toBe(`${MACHINE}:live`);
    expect(resolveQualifiers(template(), { account: ACCOUNT, region: 'us-east-1' })).toEqual([
      expect.objectContaining({ kind: 'version', arn: `${MACHINE}:1`, stateMachineArn: MACHINE }),
      expect.objectContaining({
        kind: 'alias',
        arn: `${MACHINE}:live`,
        stateMachineArn: MACHINE,
        routing: [{ versionArn: `${MACHINE}:1`, weight: 100 }],
      }),
    ]);
  });

  it('refuses an alias whose weights do not add up to 100, as CloudFormation does', () => {
    const bad = template([{ StateMachineVersionArn: { Ref: 'Version1' }, Weight: 90 }]);
    expect(() => resolveQualifiers(bad, { account: ACCOUNT, region: 'us-east-1' })).toThrow(TemplateError);
  });
});

describe('StartExecution through an alias or a version', () => {
  it('runs the alias version, with an execution ARN built from the state machine name', async () => {
    // GIVEN the live alias of a state machine WHEN it is started through the alias
    const { call } = world();
    const started = await call('StartExecution', { stateMachineArn: `${MACHINE}:live`, name: 'nightly-1' });
    // THEN the execution ARN has no qualifier, and DescribeExecution names the alias and its version
    expect(started.executionArn).toBe(`arn:aws:states:us-east-1:${ACCOUNT}:execution:backup:nightly-1`);
    const described = await call('DescribeExecution', { executionArn: started.executionArn });
    expect(described).toMatchObject({
      stateMachineArn: MACHINE,
      stateMachineAliasArn: `${MACHINE}:live`,
      stateMachineVersionArn: `${MACHINE}:1`,
    });
  });

  it('names only the version for a start through the version, and neither for an unqualified start', async () => {
    const { call, sfn } = world();
    const byVersion = await call('StartExecution', { stateMachineArn: `${MACHINE}:1`, name: 'v' });
    const plain = await call('StartExecution', { stateMachineArn: MACHINE, name: 'p' });
    await sfn.idle();
    const v = await call('DescribeExecution', { executionArn: byVersion.executionArn });
    expect(v.stateMachineVersionArn).toBe(`${MACHINE}:1`);
    expect(v).not.toHaveProperty('stateMachineAliasArn');
    const p = await call('DescribeExecution', { executionArn: plain.executionArn });
    expect(p).not.toHaveProperty('stateMachineAliasArn');
    expect(p).not.toHaveProperty('stateMachineVersionArn');
  });

  it('refuses an unknown alias or version with StateMachineDoesNotExist, a Distributed Map ARN with ValidationException', async () => {
    const { call } = world();
    expect(await errorOf(call('StartExecution', { stateMachineArn: `${MACHINE}:prod` }))).toBe(
      'StateMachineDoesNotExist',
    );
    expect(await errorOf(call('StartExecution', { stateMachineArn: `${MACHINE}:7` }))).toBe('StateMachineDoesNotExist');
    expect(await errorOf(call('StartExecution', { stateMachineArn: `${MACHINE}/mapLabel` }))).toBe(
      'ValidationException',
    );
    expect(await errorOf(call('StartExecution', { stateMachineArn: `${MACHINE}:live:extra` }))).toBe('InvalidArn');
  });
});

describe('ListExecutions by alias or version', () => {
  it('lists the executions started through the alias, those that ran the version, or all of the state machine', async () => {
    const { call, sfn } = world();
    await call('StartExecution', { stateMachineArn: `${MACHINE}:live`, name: 'a' });
    await call('StartExecution', { stateMachineArn: `${MACHINE}:1`, name: 'v' });
    await call('StartExecution', { stateMachineArn: MACHINE, name: 'p' });
    await sfn.idle();
    const names = async (stateMachineArn: string) =>
      ((await call('ListExecutions', { stateMachineArn })).executions as { name: string }[]).map((e) => e.name).sort();
    expect(await names(`${MACHINE}:live`)).toEqual(['a']);
    expect(await names(`${MACHINE}:1`)).toEqual(['a', 'v']);
    expect(await names(MACHINE)).toEqual(['a', 'p', 'v']);
    expect(await errorOf(call('ListExecutions', { stateMachineArn: `${MACHINE}:prod` }))).toBe('ResourceNotFound');
  });
});
