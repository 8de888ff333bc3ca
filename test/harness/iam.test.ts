import type { CfnTemplate } from '../../local/template';
import { formatFinding } from './findings';
import { checkDestructiveEc2Grants, destructiveActions, isWildcardResource } from './iam';

const INSTANCES = 'arn:aws:ec2:eu-west-1:123456789012:instance/*';
const TAGGED = { StringEquals: { 'aws:ResourceTag/ha-workflows:recovery-group': ['db'] } };

/** A template with one role (assumed by `service`) and one policy on it holding `statements`. */
function template(statements: Record<string, unknown>[], service = 'states.amazonaws.com'): CfnTemplate {
  return {
    Resources: {
      WorkflowRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
          },
        },
      },
      WorkflowRolePolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: { PolicyDocument: { Statement: statements }, Roles: [{ Ref: 'WorkflowRole' }] },
      },
    },
  };
}

const check = (statements: Record<string, unknown>[], service?: string) =>
  checkDestructiveEc2Grants(template(statements, service), { name: 'ha-workflows-eu-west-1' });

describe('checkDestructiveEc2Grants', () => {
  it('rejects ec2:TerminateInstances on "*" without a condition (the issue\'s example)', () => {
    // GIVEN a role allowed to terminate every instance of the account
    const findings = check([{ Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*' }]);
    // THEN the harness names the policy, the role, the action and the resource
    expect(findings.map(formatFinding)).toEqual([
      'ha-workflows-eu-west-1: (state machine): [iam-destructive-action] policy WorkflowRolePolicy (role WorkflowRole) ' +
        'allows ec2:TerminateInstances on * without a condition that selects the resources; add a tag ' +
        '(aws:ResourceTag/ha-workflows:…) or VPC (ec2:Vpc) condition with StringEquals/ArnEquals, or name the resources',
    ]);
  });

  it.each([
    'ec2:StopInstances',
    'ec2:DeleteVolume',
    'ec2:ModifyInstanceAttribute',
    'ec2:RebootInstances',
    'ec2:DetachVolume',
    'ec2:CreateTags',
    'ec2:DeleteTags',
    'ec2:*',
    'ec2:Terminate*',
    '*',
  ])('rejects %s on an instance ARN pattern without a condition', (action) => {
    expect(check([{ Effect: 'Allow', Action: action, Resource: INSTANCES }]).map((f) => f.rule)).toEqual([
      'iam-destructive-action',
    ]);
  });

  it('accepts destructive actions scoped by a tag or a VPC condition, or on named resources', () => {
    expect(
      check([
        { Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: INSTANCES, Condition: TAGGED },
        {
          Effect: 'Allow',
          Action: 'ec2:ModifyNetworkInterfaceAttribute',
          Resource: '*',
          Condition: { ArnEquals: { 'ec2:Vpc': 'arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0abc1234' } },
        },
        {
          Effect: 'Allow',
          Action: 'ec2:StopInstances',
          Resource: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc',
        },
        { Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' },
        { Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*' },
      ]),
    ).toEqual([]);
  });

  it.each([
    ['a negative operator', { StringNotEquals: { 'aws:ResourceTag/team': 'x' } }],
    ['IfExists (matches untagged resources)', { StringEqualsIfExists: { 'aws:ResourceTag/team': 'x' } }],
    ['a "*" value', { StringLike: { 'aws:ResourceTag/team': '*' } }],
    ['a condition on something else', { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }],
    ['ForAllValues (true when the key is absent)', { 'ForAllValues:StringEquals': { 'aws:ResourceTag/t': 'x' } }],
  ])('rejects a condition with %s', (_what, condition) => {
    expect(
      check([{ Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*', Condition: condition }]).length,
    ).toBe(1);
  });

  it('accepts CreateTags limited to tagging at creation, but not other actions with that condition', () => {
    const atCreation = { StringEquals: { 'ec2:CreateAction': 'RunInstances' } };
    expect(check([{ Effect: 'Allow', Action: 'ec2:CreateTags', Resource: INSTANCES, Condition: atCreation }])).toEqual(
      [],
    );
    expect(
      check([
        { Effect: 'Allow', Action: ['ec2:CreateTags', 'ec2:DeleteTags'], Resource: INSTANCES, Condition: atCreation },
      ]).length,
    ).toBe(1);
  });

  it('accepts Lambda\'s VPC network-interface actions on "*" only on a role Lambda assumes', () => {
    const vpcAccess = {
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface'],
      Resource: '*',
    };
    expect(check([vpcAccess], 'lambda.amazonaws.com')).toEqual([]);
    expect(check([vpcAccess]).map((f) => f.message)).toEqual([
      expect.stringContaining('allows ec2:DeleteNetworkInterface on *'),
    ]);
    expect(
      check([{ ...vpcAccess, Action: [...vpcAccess.Action, 'ec2:TerminateInstances'] }], 'lambda.amazonaws.com').length,
    ).toBe(1);
  });

  it('reads inline policies of roles and CloudFormation-joined resources', () => {
    const t: CfnTemplate = {
      Resources: {
        R: {
          Type: 'AWS::IAM::Role',
          Properties: {
            Policies: [
              {
                PolicyName: 'Fence',
                PolicyDocument: {
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: 'ec2:StopInstances',
                      Resource: {
                        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:1:instance/*']],
                      },
                    },
                  ],
                },
              },
            ],
          },
        },
      },
    };
    expect(checkDestructiveEc2Grants(t, { name: 'S' }).map((f) => f.message)).toEqual([
      expect.stringContaining(
        'inline policy Fence of role R allows ec2:StopInstances on arn:<AWS::Partition>:ec2:eu-west-1:1:instance/*',
      ),
    ]);
  });
});

describe('destructiveActions / isWildcardResource', () => {
  it('knows which EC2 actions are destructive', () => {
    expect(destructiveActions('ec2:DescribeInstances')).toEqual([]);
    expect(destructiveActions('ec2:RunInstances')).toEqual([]);
    expect(destructiveActions('ec2:CreateSnapshots')).toEqual([]);
    expect(destructiveActions('elasticloadbalancing:DeregisterTargets')).toEqual([]);
    expect(destructiveActions('ec2:Describe*')).toEqual([]);
    expect(destructiveActions('ec2:Stop*')).toEqual(['ec2:StopInstances']);
  });

  it('tells wildcard resources from named ones', () => {
    expect(isWildcardResource('*')).toBe(true);
    expect(isWildcardResource('arn:aws:ec2:eu-west-1:1:instance/*')).toBe(true);
    expect(isWildcardResource('arn:aws:ec2:*:*:*')).toBe(true);
    expect(isWildcardResource('arn:aws:ec2:eu-west-1:1:instance/i-0abc')).toBe(false);
  });
});
