import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';
import { alarmSettingsProblems, type HaAlarmSettings, resolveAlarmSettings } from './alarms';
import type { HaLogSettings } from './ha-state-machine';
import { PropsError } from './props-error';

/** The key schema of the state table: one item per lock or state record. */
export const STATE_TABLE_KEYS = {
  /** Partition key, e.g. `LOCK#recovery-group#web-1`. */
  partitionKey: 'pk',
  /**
   * The table's TTL attribute: epoch seconds after which DynamoDB deletes the WHOLE item. Reserved for disposable
   * items (none today). No workflow writes it: locks and the records operators rely on (NEEDS_ATTENTION, current
   * instance, DR state) share items, so a lock's lease is `LOCK_ATTRIBUTES.expiresAt` (`leaseExpiresAt`), an
   * ordinary attribute that nothing deletes. test/infra/state-records.test.ts pins this for every state machine.
   */
  ttlAttribute: 'expiresAt',
} as const;

export interface HaFoundationProps {
  /**
   * Email addresses subscribed to the operators' topic; each must confirm its subscription.
   * @default - no subscriptions
   */
  readonly notificationEmails?: readonly string[];
  /**
   * Retention of every log group of the workflows: the state machines' and each task function's.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the table, key and log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN - the audit trail outlives the stack
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * What every workflow's state machines log: level and execution data. `ALL` with execution data logs every
   * payload, the DR workflow's operator request included.
   * @default - level ERROR, no execution data
   */
  readonly stateMachineLogs?: HaLogSettings;
  /**
   * The workflows' CloudWatch alarms (execution failures, time-outs, aborts and throttles of every state machine; a
   * message in a trigger's dead-letter queue), all to the operators' topic.
   * @default - enabled, threshold 1 in a 5-minute period, missing data not breaching
   */
  readonly alarms?: HaAlarmSettings;
}

/**
 * What every ha-workflows state machine shares in one region: the lock/state table, the operators'
 * topic, the log group, and the KMS key that encrypts all three.
 */
export class HaFoundation extends Construct {
  readonly key: kms.Key;
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly logGroup: logs.LogGroup;
  /** The retention every workflow gives its log groups (the state machines' and its task functions'). */
  readonly logRetention: logs.RetentionDays;
  /** What every workflow's state machines log (HaFoundationProps.stateMachineLogs, defaults filled in). */
  readonly stateMachineLogs: Required<HaLogSettings>;
  /** The workflows' alarm settings (HaFoundationProps.alarms, defaults filled in). */
  readonly alarmSettings: Required<HaAlarmSettings>;

  constructor(scope: Construct, id: string, props: HaFoundationProps = {}) {
    super(scope, id);
    const problems: string[] = [];
    for (const [i, email] of (props.notificationEmails ?? []).entries()) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        problems.push(`notificationEmails[${i}]: got ${JSON.stringify(email)}; must be an email address`);
      }
    }
    const level = props.stateMachineLogs?.level;
    if (level !== undefined && !['ALL', 'ERROR', 'FATAL', 'OFF'].includes(level)) {
      problems.push(`stateMachineLogs.level: got ${JSON.stringify(level)}; one of ALL, ERROR, FATAL, OFF`);
    }
    problems.push(...alarmSettingsProblems(props.alarms));
    PropsError.throwIfAny('HaFoundation', problems);
    this.stateMachineLogs = {
      level: level ?? 'ERROR',
      includeExecutionData: props.stateMachineLogs?.includeExecutionData ?? false,
    };
    this.alarmSettings = resolveAlarmSettings('HaFoundation', props.alarms);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the ha-workflows state table, notification topic and state machine logs',
      enableKeyRotation: true,
      removalPolicy,
    });
    // The services that write into what this key encrypts, each with only the key actions its guide names.
    const allowService = (service: string, actions: string[], sid?: string) =>
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({ sid, principals: [new iam.ServicePrincipal(service)], actions, resources: ['*'] }),
      );
    // CloudWatch Logs must be allowed to use the key for the log group.
    // Source: docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    allowService('logs.amazonaws.com', [
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:Describe*',
    ]);
    // EventBridge must be allowed to use the key to put an undeliverable event into a trigger's dead-letter queue,
    // which is encrypted with it: without this statement SQS refuses EventBridge's SendMessage and the event is lost.
    // Source: Amazon SQS Developer Guide, "Amazon SQS key management", "Enable compatibility between event sources
    // from AWS services and encrypted queues" (events.amazonaws.com: kms:GenerateDataKey, kms:Decrypt).
    allowService('events.amazonaws.com', ['kms:GenerateDataKey', 'kms:Decrypt'], 'EventBridgeDeadLetters');
    // CloudWatch alarms publish to the operators' topic, which is encrypted with this key: without this statement SNS
    // refuses the alarm's publish and the operators hear nothing. Source: Amazon SNS Developer Guide, "Configuring
    // AWS KMS permissions for AWS services" (CloudWatch: cloudwatch.amazonaws.com, kms:Decrypt and
    // kms:GenerateDataKey*).
    allowService('cloudwatch.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*'], 'CloudWatchAlarms');

    this.table = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: STATE_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      timeToLiveAttribute: STATE_TABLE_KEYS.ttlAttribute,
      removalPolicy,
    });

    this.topic = new sns.Topic(this, 'OperatorTopic', {
      displayName: 'ha-workflows operator notifications',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.notificationEmails ?? []) {
      const subscription = this.topic.addSubscription(new subs.EmailSubscription(email));
      acknowledge(subscription.node.defaultChild as sns.CfnSubscription, {
        ids: ['Serverless-SNSRedrivePolicy'],
        reason:
          'Email notifications to operators are a convenience: a message SNS cannot deliver to an inbox needs no ' +
          'dead-letter queue, because the authoritative record of every run is the execution history (logged at level ALL) ' +
          'and the state table.',
      });
    }

    this.logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: this.logRetention,
      encryptionKey: this.key,
      removalPolicy,
    });
  }

  /**
   * The statement a state machine role needs to use the foundation's key: publishing to the encrypted topic needs
   * GenerateDataKey + Decrypt, reading and writing the encrypted table Encrypt + Decrypt (named one by one).
   */
  keyUseStatement(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [this.key.keyArn],
    });
  }

  /**
   * A dead-letter queue for a workflow's EventBridge rule targets (`TriggerDeadLetters` in `scope`): KMS-encrypted
   * with the foundation's key, SSL only, kept 14 days (the SQS maximum).
   */
  triggerDeadLetterQueue(scope: Construct): sqs.Queue {
    return new sqs.Queue(scope, 'TriggerDeadLetters', {
      encryptionMasterKey: this.key,
      encryption: sqs.QueueEncryption.KMS,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
  }
}
