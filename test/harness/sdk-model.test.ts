import type { CfnTemplate } from '../../local/template';
import { type Finding, formatFinding } from './findings';
import { checkIamGrants, checkSdkParameters, iamActionOf, operationInput, serviceCallOf } from './sdk-model';

/** A one-Task definition calling `resource` with `parameters`. */
function oneTask(resource: string, parameters?: Record<string, unknown>) {
  return {
    StartAt: 'Call the API',
    TimeoutSeconds: 60,
    States: { 'Call the API': { Type: 'Task', Resource: resource, Parameters: parameters, End: true } },
  };
}

const SDK = (service: string, action: string) => `arn:aws:states:::aws-sdk:${service}:${action}`;

function checkParams(resource: string, parameters?: Record<string, unknown>): Finding[] {
  return checkSdkParameters(oneTask(resource, parameters), { name: 'RecoveryWorkflow' });
}

describe('serviceCallOf', () => {
  it('reads aws-sdk ARNs, stripping .waitForTaskToken and upper-casing the action', () => {
    expect(serviceCallOf(`${SDK('elasticloadbalancingv2', 'registerTargets')}.waitForTaskToken`)).toEqual({
      kind: 'aws-sdk',
      service: 'elasticloadbalancingv2',
      operation: 'RegisterTargets',
    });
  });

  it('reads the optimized DynamoDB and SNS integrations', () => {
    expect(serviceCallOf('arn:aws:states:::dynamodb:updateItem')).toMatchObject({ service: 'dynamodb' });
    expect(serviceCallOf('arn:aws:states:::sns:publish.waitForTaskToken')).toMatchObject({ operation: 'Publish' });
  });

  it('leaves Lambda and other integrations to other checks', () => {
    expect(serviceCallOf('arn:aws:states:::lambda:invoke')).toBeUndefined();
    expect(serviceCallOf('arn:aws:lambda:eu-west-1:123456789012:function:f')).toBeUndefined();
  });
});

describe('operationInput', () => {
  it('reads the request shape and its required members from the SDK model', () => {
    expect(operationInput('elasticloadbalancingv2', 'RegisterTargets')).toMatchObject({
      sdkPackage: '@aws-sdk/client-elastic-load-balancing-v2',
      shape: 'RegisterTargetsInput',
      members: ['TargetGroupArn', 'Targets'],
      required: ['TargetGroupArn', 'Targets'],
    });
  });

  it('upper-cases camelCase model members the way Step Functions names parameters', () => {
    expect(operationInput('sfn', 'SendTaskSuccess')).toMatchObject({
      members: ['TaskToken', 'Output'],
      required: ['TaskToken', 'Output'],
    });
  });
});

describe('checkSdkParameters', () => {
  it('accepts parameters the model knows, with and without .$', () => {
    expect(checkParams(SDK('ec2', 'describeInstances'), { 'InstanceIds.$': '$.ids', DryRun: false })).toEqual([]);
    expect(
      checkParams(SDK('ssm', 'sendCommand'), { DocumentName: 'AWS-RunShellScript', 'InstanceIds.$': '$.ids' }),
    ).toEqual([]);
    expect(checkParams(SDK('sfn', 'sendTaskSuccess'), { 'TaskToken.$': '$.token', Output: '{}' })).toEqual([]);
  });

  it('rejects an unknown parameter, naming the key and the valid members', () => {
    const findings = checkParams(SDK('ec2', 'describeInstances'), { 'InstanceIdz.$': '$.ids' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      stateMachine: 'RecoveryWorkflow',
      path: 'Task "Call the API"',
      rule: 'sdk-unknown-parameter',
    });
    expect(findings[0].message).toMatch(
      /^the Task passes the parameter "InstanceIdz" to ec2:DescribeInstances, which has no such member \(did you mean InstanceIds\?\); DescribeInstancesRequest \(@aws-sdk\/client-ec2 [\d.]+\) has: InstanceIds, .*DryRun, Filters, NextToken, MaxResults$/,
    );
  });

  it('rejects a call without a required member', () => {
    const findings = checkParams(SDK('ssm', 'sendCommand'), { 'InstanceIds.$': '$.ids' });
    expect(findings.map(formatFinding)).toEqual([
      expect.stringMatching(
        /^RecoveryWorkflow: Task "Call the API": \[sdk-missing-parameter\] the Task calls ssm:SendCommand without the required parameter "DocumentName"; required members of SendCommandRequest \(@aws-sdk\/client-ssm [\d.]+\): DocumentName$/,
      ),
    ]);
  });

  it('rejects a call without any Parameters when the operation requires some', () => {
    const findings = checkParams(SDK('elasticloadbalancingv2', 'registerTargets'));
    expect(findings.map((f) => f.rule)).toEqual(['sdk-missing-parameter', 'sdk-missing-parameter']);
    expect(findings.map((f) => f.message).join('\n')).toContain('"TargetGroupArn"');
  });

  it('checks the optimized DynamoDB integration against the DynamoDB model', () => {
    const findings = checkParams('arn:aws:states:::dynamodb:putItem', { TableName: 't', Items: {} });
    expect(findings.map((f) => f.rule)).toEqual(['sdk-unknown-parameter', 'sdk-missing-parameter']);
    expect(findings[0].message).toContain('"Items" to dynamodb:PutItem');
    expect(findings[0].message).toContain('did you mean Item?');
    expect(findings[1].message).toContain('without the required parameter "Item"');
  });

  it('checks the optimized SNS integration against the SNS model', () => {
    const findings = checkParams('arn:aws:states:::sns:publish.waitForTaskToken', { TopicArn: 'arn' });
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'sdk-missing-parameter',
        message: expect.stringContaining('sns:Publish without the required parameter "Message"'),
      }),
    ]);
  });

  it('rejects an action the service does not have and suggests the closest', () => {
    const [finding] = checkParams(SDK('ec2', 'describeInstancez'));
    expect(finding.rule).toBe('sdk-unknown-action');
    expect(finding.message).toMatch(
      /ec2 has no operation "DescribeInstancez" in @aws-sdk\/client-ec2 [\d.]+ \(did you mean DescribeInstances/,
    );
  });

  it('tells which package to install for a service it has no model of', () => {
    const [finding] = checkParams(SDK('rds', 'describeDbInstances'));
    expect(finding).toMatchObject({ rule: 'sdk-unknown-service' });
    expect(finding.message).toContain('no SDK model for the service "rds"');
    expect(finding.message).toContain('npm install -D @aws-sdk/client-rds');
    expect(finding.message).toContain('SDK_SERVICES in test/harness/sdk-model.ts');
  });

  describe('nested parameters', () => {
    const REGISTER = SDK('elasticloadbalancingv2', 'registerTargets');

    it('rejects an unknown member inside a list of structures (Targets[0].InstanceId; the member is Id)', () => {
      // GIVEN a RegisterTargets whose target names its instance with the EC2 spelling
      const findings = checkParams(REGISTER, { 'TargetGroupArn.$': '$.tg', Targets: [{ 'InstanceId.$': '$.id' }] });
      // THEN the nested key is reported with its path, and the missing Id too
      expect(findings.map((f) => f.rule)).toEqual(['sdk-unknown-parameter', 'sdk-missing-parameter']);
      expect(findings[0].message).toMatch(
        /^the Task passes the parameter "Targets\[0\]\.InstanceId" to elasticloadbalancingv2:RegisterTargets, which has no such member; TargetDescription \(@aws-sdk\/client-elastic-load-balancing-v2 [\d.]+\) has: Id, Port, AvailabilityZone/,
      );
      expect(findings[1].message).toMatch(
        /^the Task calls elasticloadbalancingv2:RegisterTargets without the required parameter "Targets\[0\]\.Id"; required members of TargetDescription/,
      );
    });

    it('accepts nested members the model knows, at every level', () => {
      expect(checkParams(REGISTER, { 'TargetGroupArn.$': '$.tg', Targets: [{ 'Id.$': '$.id', Port: 443 }] })).toEqual(
        [],
      );
      expect(
        checkParams(SDK('ec2', 'describeInstances'), {
          Filters: [{ Name: 'tag:ha-workflows:recovery-group', 'Values.$': 'States.Array($.group)' }],
        }),
      ).toEqual([]);
    });

    it('checks every element of a list, naming its index', () => {
      const findings = checkParams(SDK('ec2', 'describeInstances'), {
        Filters: [
          { Name: 'a', Values: ['x'] },
          { Name: 'b', Value: ['y'] },
        ],
      });
      expect(findings.map((f) => f.message)).toEqual([
        expect.stringContaining(
          '"Filters[1].Value" to ec2:DescribeInstances, which has no such member (did you mean Values?)',
        ),
      ]);
    });

    it('does not look below a .$ key: its value is computed at run time', () => {
      expect(checkParams(REGISTER, { 'TargetGroupArn.$': '$.tg', 'Targets.$': '$.targets' })).toEqual([]);
    });

    it('walks maps (DynamoDB items) into their values, whose keys are data', () => {
      const ok = { TableName: 't', Item: { pk: { S: 'GROUP#a' }, 'owner.$': '$.x', state: { 'S.$': '$.s' } } };
      expect(checkParams('arn:aws:states:::dynamodb:putItem', ok)).toEqual([]);
      const bad = { TableName: 't', Item: { pk: { Str: 'GROUP#a' } } };
      expect(checkParams('arn:aws:states:::dynamodb:putItem', bad).map((f) => f.message)).toEqual([
        expect.stringContaining('"Item.pk.Str" to dynamodb:PutItem, which has no such member'),
      ]);
    });

    it('checks required members of nested structures', () => {
      const findings = checkParams(SDK('ec2', 'createSnapshots'), {
        InstanceSpecification: { ExcludeBootVolume: true },
      });
      expect(findings.map((f) => f.message)).toEqual([
        expect.stringContaining('without the required parameter "InstanceSpecification.InstanceId"'),
      ]);
    });
  });

  it('checks Tasks inside Map item processors', () => {
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Snap',
            States: { Snap: { Type: 'Task', Resource: SDK('ec2', 'createSnapshots'), Parameters: {}, End: true } },
          },
          End: true,
        },
      },
    };
    expect(checkSdkParameters(definition, { name: 'M' })).toEqual([
      expect.objectContaining({
        path: 'Map "Each" > Task "Snap"',
        message: expect.stringContaining('without the required parameter "InstanceSpecification"'),
      }),
    ]);
  });
});

describe('iamActionOf', () => {
  it.each([
    [SDK('ec2', 'describeInstances'), 'ec2:DescribeInstances'],
    [SDK('elasticloadbalancingv2', 'registerTargets'), 'elasticloadbalancing:RegisterTargets'],
    [SDK('ssm', 'sendCommand'), 'ssm:SendCommand'],
    [SDK('sfn', 'sendTaskSuccess'), 'states:SendTaskSuccess'],
    ['arn:aws:states:::dynamodb:putItem', 'dynamodb:PutItem'],
    ['arn:aws:states:::sns:publish', 'sns:Publish'],
  ])('needs %s → %s', (resource, action) => {
    expect(iamActionOf(serviceCallOf(resource)!)).toBe(action);
  });
});

describe('checkIamGrants', () => {
  /** A template with the state machine, its role, and one policy on the role with these statements. */
  function template(statements: Record<string, unknown>[], roleProps: Record<string, unknown> = {}): CfnTemplate {
    return {
      Resources: {
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { RoleArn: { 'Fn::GetAtt': ['MachineRole', 'Arn'] } },
        },
        MachineRole: { Type: 'AWS::IAM::Role', Properties: { ...roleProps } },
        MachineRolePolicy: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyDocument: { Version: '2012-10-17', Statement: statements },
            Roles: [{ Ref: 'MachineRole' }],
          },
        },
      },
    };
  }
  const allow = (action: unknown) => ({ Effect: 'Allow', Action: action, Resource: '*' });
  const grants = (statements: Record<string, unknown>[], resource = SDK('ec2', 'describeInstances')) =>
    checkIamGrants(template(statements), 'Machine', oneTask(resource), { name: 'RecoveryWorkflow' });

  it('accepts a role that grants the action (IAM names are case-insensitive)', () => {
    expect(grants([allow('ec2:describeInstances')])).toEqual([]);
    expect(grants([allow(['logs:CreateLogDelivery', 'ec2:DescribeInstances'])])).toEqual([]);
  });

  it('rejects a role that does not grant the action, listing what it grants', () => {
    expect(grants([allow('ec2:DescribeInstanceStatus')])).toEqual([
      {
        stateMachine: 'RecoveryWorkflow',
        path: 'Task "Call the API"',
        rule: 'iam-missing-action',
        message:
          'the Task calls ec2:DescribeInstances but role MachineRole is not granted ec2:DescribeInstances; it grants: ' +
          'ec2:DescribeInstanceStatus',
      },
    ]);
  });

  it('uses the IAM prefix elasticloadbalancing for elasticloadbalancingv2', () => {
    const resource = SDK('elasticloadbalancingv2', 'registerTargets');
    expect(grants([allow('elasticloadbalancingv2:RegisterTargets')], resource)[0].message).toContain(
      'not granted elasticloadbalancing:RegisterTargets',
    );
    expect(grants([allow('elasticloadbalancing:RegisterTargets')], resource)).toEqual([]);
  });

  it('ignores Deny statements when looking for the grant', () => {
    expect(grants([{ ...allow('ec2:DescribeInstances'), Effect: 'Deny' }]).map((f) => f.rule)).toEqual([
      'iam-missing-action',
    ]);
  });

  it.each(['*', 'ec2:*', 'ec2:Describe*', 'ec2:DescribeInstance?'])('rejects the wildcard action %s', (action) => {
    const findings = grants([allow(action)]);
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'iam-wildcard-action',
        message: expect.stringContaining(
          `policy MachineRolePolicy of role MachineRole allows the wildcard action "${action}"`,
        ),
      }),
    ]);
  });

  it('rejects NotAction', () => {
    const findings = grants([allow('ec2:DescribeInstances'), { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]);
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('allows NotAction "iam:*"')]);
  });

  it('also reads inline policies of the role and rejects managed policies', () => {
    const t = template([], {
      Policies: [{ PolicyName: 'Inline', PolicyDocument: { Statement: [allow('ec2:Describe*')] } }],
      ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    });
    const findings = checkIamGrants(t, 'Machine', oneTask(SDK('ec2', 'describeInstances')), { name: 'M' });
    expect(findings.map((f) => f.message)).toEqual([
      expect.stringContaining('inline policy Inline of role MachineRole allows the wildcard action "ec2:Describe*"'),
      expect.stringContaining('has managed policies (["arn:aws:iam::aws:policy/AdministratorAccess"])'),
    ]);
  });

  it('rejects a state machine whose role is not in the template', () => {
    const t: CfnTemplate = {
      Resources: {
        Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: 'arn:aws:iam::1:role/x' } },
      },
    };
    expect(checkIamGrants(t, 'Machine', oneTask(SDK('ec2', 'describeInstances')), { name: 'M' })).toEqual([
      expect.objectContaining({ rule: 'iam-unknown-role' }),
    ]);
  });
});
