/**
 * HaWorkflow, the base of every workflow construct, and acknowledge(): what a workflow gets by extending it (its state
 * machines' key grant, task functions on the foundation's log retention and key, triggers that retry and then keep
 * the event in one dead-letter queue) and the cdk-nag acknowledgements that come with those resources.
 */
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WORKFLOW_METADATA_KEY } from '../../../contracts/metadata';
import {
  acknowledge,
  acknowledgementsOf,
  ec2WildcardFindings,
  HaFoundation,
  HaWorkflow,
  invokeWildcardFindings,
  type TaskFunction,
  TRIGGER_MAX_EVENT_AGE,
  TRIGGER_RETRY_ATTEMPTS,
} from '../../../workflows/base';
import { TEST_APP_CONTEXT } from '../../harness/synth';

/** A workflow made only of what the base gives: two machines, one task function, two triggers. */
class SmallWorkflow extends HaWorkflow {
  readonly stateMachine: sfn.StateMachine;
  readonly sideMachine: sfn.StateMachine;
  readonly task: TaskFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, foundation: HaFoundation) {
    super(scope, id, foundation, { workflow: 'small', deadLettersOf: 'the rules of the small workflow' });
    this.task = this.addTaskFunction('Validate', {
      task: 'validate-dr-request',
      description: 'validate the request',
      policy: [],
    });
    const main = this.addStateMachine({
      comment: 'The main machine',
      timeout: Duration.minutes(5),
      definition: (scope) => new sfn.Pass(scope, 'Do nothing'),
      statements: [new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [foundation.topic.topicArn] })],
    });
    this.stateMachine = main.stateMachine;
    this.role = main.role;
    this.sideMachine = this.addStateMachine({
      id: 'Side',
      workflow: 'small-side',
      comment: 'A machine in a construct of its own',
      timeout: Duration.minutes(5),
      // The same state name as the main machine's: each machine's states live in its own construct.
      definition: (scope) => new sfn.Pass(scope, 'Do nothing'),
    }).stateMachine;
    this.addTrigger('OnThing', {
      description: 'a thing happened → small workflow',
      eventPattern: { source: ['test.thing'] },
      target: this.stateMachine,
    });
    this.addTrigger('OnOtherThing', {
      description: 'another thing happened → side machine',
      eventPattern: { source: ['test.other'] },
      target: this.sideMachine,
      maxEventAge: Duration.hours(2),
    });
  }
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: object }>;

describe('HaWorkflow', () => {
  let stack: Stack;
  let workflow: SmallWorkflow;
  let template: Template;
  let resources: Resources;
  beforeAll(() => {
    // GIVEN a foundation that keeps logs one month, and a small workflow built on HaWorkflow
    stack = new Stack(new App({ context: TEST_APP_CONTEXT }), 'Test', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const foundation = new HaFoundation(stack, 'Foundation', { logRetention: logs.RetentionDays.ONE_MONTH });
    workflow = new SmallWorkflow(stack, 'Small', foundation);
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources as Resources;
  });
  const logicalId = (c: Construct) => stack.getLogicalId(c.node.defaultChild as never);
  const policyOf = (role: iam.Role) =>
    Object.values(resources).find(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(logicalId(role)),
    )!.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] };

  it('makes the main state machine the construct’s Resource, with its workflow metadata', () => {
    expect(workflow.node.defaultChild).toBe(workflow.stateMachine);
    expect(workflow.stateMachine.node.path).toBe('Test/Small/Resource');
    expect(resources[logicalId(workflow.stateMachine)].Metadata).toEqual({ [WORKFLOW_METADATA_KEY]: 'small' });
  });

  it('puts a machine with an id in a construct of its own (states, role and machine)', () => {
    expect(workflow.sideMachine.node.path).toBe('Test/Small/Side/Resource');
    expect(workflow.sideMachine.role.node.path).toBe('Test/Small/Side/Role');
    expect(resources[logicalId(workflow.sideMachine)].Metadata).toEqual({ [WORKFLOW_METADATA_KEY]: 'small-side' });
  });

  it("lets every role use the foundation's key, after the statements the workflow adds", () => {
    // THEN the main role's last statements are the workflow's own, then the key's (named actions, the key's ARN)
    const statements = policyOf(workflow.role).Statement;
    const keyUse = {
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FoundationKey'), 'Arn'] },
    };
    expect(statements.slice(-2)).toEqual([
      expect.objectContaining({ Action: 'sns:Publish' }),
      expect.objectContaining({ Action: keyUse.Action, Resource: expect.anything() }),
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(workflow.sideMachine.role) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(keyUse)]) },
    });
  });

  it("gives task functions the foundation's log retention and key, and names the workflow in their description", () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FoundationKey'), 'Arn'] },
    });
    expect(resources[logicalId(workflow.task.fn)].Properties.Description).toBe(
      'ha-workflows small: validate the request',
    );
  });

  it('delivers every trigger to one encrypted dead-letter queue after the retry policy', () => {
    // THEN one queue, KMS-encrypted with the foundation's key
    const queues = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    expect(queues).toHaveLength(1);
    expect(queues[0][1].Properties.KmsMasterKeyId).toBeDefined();
    // AND each rule retries TRIGGER_RETRY_ATTEMPTS times within its event age, then sends to that queue
    const targetOf = (source: string) =>
      Object.values(resources).find(
        (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties.EventPattern).includes(source),
      )!.Properties.Targets as { DeadLetterConfig: unknown; RetryPolicy: unknown }[];
    const deadLetters = { Arn: { 'Fn::GetAtt': [queues[0][0], 'Arn'] } };
    expect(targetOf('test.thing')[0]).toMatchObject({
      DeadLetterConfig: deadLetters,
      RetryPolicy: {
        MaximumRetryAttempts: TRIGGER_RETRY_ATTEMPTS,
        MaximumEventAgeInSeconds: TRIGGER_MAX_EVENT_AGE.toSeconds(),
      },
    });
    expect(targetOf('test.other')[0]).toMatchObject({
      DeadLetterConfig: deadLetters,
      RetryPolicy: { MaximumRetryAttempts: TRIGGER_RETRY_ATTEMPTS, MaximumEventAgeInSeconds: 7200 },
    });
    expect(workflow.deadLetterQueue.node.path).toBe('Test/Small/TriggerDeadLetters');
  });

  it("lets EventBridge encrypt with the foundation's key, so an undeliverable event reaches the encrypted queue", () => {
    // THEN the key policy allows events.amazonaws.com to make data keys and decrypt (SQS key management: event
    // sources from AWS services and encrypted queues); without it SQS refuses EventBridge and the event is lost
    const [key] = Object.values(resources).filter((r) => r.Type === 'AWS::KMS::Key');
    const statements = (key.Properties.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      }),
    );
  });

  it('acknowledges the missing redrive of its dead-letter queue, saying whose dead letters it holds', () => {
    const [ack] = acknowledgementsOf(workflow.deadLetterQueue);
    expect(ack.ids).toEqual(['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']);
    expect(ack.reason).toContain('the dead-letter queue of the rules of the small workflow (cdk-nag only');
  });

  it('says its dead letters are those of the EventBridge rule targets when a workflow names no other senders', () => {
    // GIVEN a workflow whose identity leaves deadLettersOf out (instance-recovery's and mirror-failover's case)
    class RuleWorkflow extends HaWorkflow {
      readonly stateMachine: sfn.StateMachine;
      constructor(scope: Construct, id: string, foundation: HaFoundation) {
        super(scope, id, foundation, { workflow: 'rules' });
        this.stateMachine = this.addStateMachine({
          comment: 'Started by rules',
          timeout: Duration.minutes(5),
          definition: (scope) => new sfn.Pass(scope, 'Do nothing'),
        }).stateMachine;
      }
    }
    const other = new Stack(new App({ context: TEST_APP_CONTEXT }), 'Other');
    const rules = new RuleWorkflow(other, 'Rules', new HaFoundation(other, 'Foundation'));
    // WHEN its dead-letter queue is made / THEN the acknowledgement names the EventBridge rule targets
    const [ack] = acknowledgementsOf(rules.deadLetterQueue);
    expect(ack.reason).toContain('the dead-letter queue of the EventBridge rule targets (cdk-nag only');
  });

  it('acknowledges on each task function the missing dead-letter queue of asynchronous invocations, only that', () => {
    expect(acknowledgementsOf(workflow.task).map((a) => a.ids)).toEqual([['Serverless-LambdaDLQ']]);
    expect(acknowledgementsOf(workflow.task.fn)).toEqual([]);
  });
});

describe('acknowledge', () => {
  it('acknowledges each rule id on each construct as cdk-nag reads it, and records what it did', () => {
    // GIVEN two constructs
    const stack = new Stack(new App(), 'Test');
    const a = new Construct(stack, 'A');
    const b = new Construct(stack, 'B');
    const ack = {
      ids: ['AwsSolutions-IAM5[Resource::*]', 'Serverless-LambdaDLQ'],
      reason: 'A reason specific enough to say why both findings are fine here.',
      wildcardActions: ['ec2:DescribeInstances'],
    };
    // WHEN acknowledging on both
    acknowledge([a, b], ack);
    // THEN each carries the Validations metadata cdk-nag reads, one entry per id
    for (const c of [a, b]) {
      const data = c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .map((m) => Object.keys(m.data as object)[0]);
      expect(data).toEqual([
        expect.stringMatching(/AwsSolutions-IAM5\[Resource::\*\]$/),
        expect.stringMatching(/Serverless-LambdaDLQ$/),
      ]);
      expect(acknowledgementsOf(c)).toEqual([ack]);
    }
    // AND nothing is recorded on their scope
    expect(acknowledgementsOf(stack)).toEqual([]);
  });

  it('names findings as cdk-nag prints them', () => {
    const stack = new Stack(new App({ context: TEST_APP_CONTEXT }), 'Test', {
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    const foundation = new HaFoundation(stack, 'Foundation');
    const workflow = new SmallWorkflow(stack, 'Small', foundation);
    // A stack whose env names the account and region prints them; an environment-agnostic one prints the pseudo params
    expect(ec2WildcardFindings(stack, ['instance/*'])).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:eu-west-1:123456789012:instance/*]',
    ]);
    expect(ec2WildcardFindings(new Stack(new App(), 'Agnostic'), ['instance/*'])).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
    ]);
    expect(ec2WildcardFindings(stack, ['image/*'], false)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:eu-west-1::image/*]',
    ]);
    expect(invokeWildcardFindings([workflow.task.fn])).toEqual([
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(workflow.task.fn.node.defaultChild as never)}.Arn>:*]`,
    ]);
  });
});
