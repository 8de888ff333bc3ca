import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { OUTCOMES, type OutcomeWorkflow, RESULT_METRICS } from '../../contracts/outcomes';
import { acknowledge, invokeWildcardFindings, XRAY_ACTIONS } from './acknowledgements';
import type { OutcomeMetric } from './dashboard';
import { deadLetterAlarm, executionAlarms, runbookUrl, type WorkflowAlarms } from './alarms';
import type { HaFoundation } from './foundation';
import {
  createHaStateMachine,
  createHaStateMachineIn,
  type HaStateMachineParts,
  type HaStateMachineProps,
  startLiveStatement,
} from './ha-state-machine';
import { TaskFunction, type TaskFunctionProps } from './task-function';

/**
 * How a trigger (an EventBridge rule target, a Scheduler schedule) retries a start that failed: EventBridge and
 * Scheduler retry with exponential backoff and jitter, at most TRIGGER_RETRY_ATTEMPTS times and for at most the
 * event's age limit (TRIGGER_MAX_EVENT_AGE unless a trigger says otherwise), then send the event to the workflow's
 * dead-letter queue: 1 try + 8 retries within an hour, then a message an operator can replay.
 */
export const TRIGGER_RETRY_ATTEMPTS = 8;
/** The default age limit of a trigger's event (see TRIGGER_RETRY_ATTEMPTS). */
export const TRIGGER_MAX_EVENT_AGE = Duration.hours(1);
/** The record-outcome function writes one log line: 10 s is ample (the outcome step's own timeout is the same). */
export const OUTCOME_FUNCTION_TIMEOUT = Duration.seconds(10);

/** Who a workflow construct is: what its task functions, state machines and dead-letter queue are named after. */
export interface HaWorkflowIdentity {
  /** The workflow's id, e.g. `instance-recovery`: its main state machine's, and its task functions' descriptions'. */
  readonly workflow: string;
  /**
   * What the workflow's dead-letter queue receives the undeliverable events of, for its cdk-nag acknowledgement.
   * @default 'the EventBridge rule targets'
   */
  readonly deadLettersOf?: string;
  /**
   * The workflow's runbook page, relative to the repository root (linked from its alarms).
   * @default `docs/workflows/<workflow>.md`
   */
  readonly runbook?: string;
}

/** A state machine of the workflow: HaStateMachineProps, with the foundation's log group, log settings and key. */
export interface WorkflowStateMachineProps extends Omit<
  HaStateMachineProps,
  'logGroup' | 'definition' | 'workflow' | 'logs'
> {
  /**
   * The workflow id of this state machine (its metadata).
   * @default - the workflow construct's own id (HaWorkflowIdentity.workflow)
   */
  readonly workflow?: string;
  /**
   * A construct of its own, `<id>`, that holds the state machine, its role and its states (see
   * `createHaStateMachineIn`).
   * @default - the workflow construct itself: the state machine is its `Resource`, the role its `Role`
   */
  readonly id?: string;
  /** Builds the states, in the construct that holds the state machine. */
  readonly definition: (scope: Construct) => sfn.IChainable;
  /**
   * What the role may do besides what its states grant (added after those, before the foundation's key).
   * @default - nothing more
   */
  readonly statements?: readonly iam.PolicyStatement[];
}

/** An EventBridge rule that starts a state machine of the workflow. */
export interface WorkflowTriggerProps {
  readonly description: string;
  readonly eventPattern: events.EventPattern;
  /** The state machine the rule starts (one of the workflow's, made by `addStateMachine`): through its live alias. */
  readonly target: sfn.IStateMachine;
  /**
   * How long EventBridge keeps retrying the start.
   * @default TRIGGER_MAX_EVENT_AGE
   */
  readonly maxEventAge?: Duration;
}

/** A Lambda task of the workflow: TaskFunctionProps, with the foundation's log retention and key. */
export type WorkflowTaskFunctionProps = Omit<TaskFunctionProps, 'logRetention' | 'encryptionKey'>;

/**
 * What every ha-workflows workflow construct shares: state machines with logging, tracing and a role that may use the
 * foundation's key; task functions whose logs follow the foundation's retention and key; EventBridge triggers that
 * retry (TRIGGER_RETRY_ATTEMPTS) and then keep what they could not deliver in one KMS-encrypted dead-letter queue;
 * and the cdk-nag acknowledgement of that queue. A subclass creates its resources in its constructor, in the order
 * it wants them in the template, and acknowledges the findings of its own resources next to them.
 */
export abstract class HaWorkflow extends Construct {
  /** The workflow's main state machine. */
  abstract readonly stateMachine: sfn.StateMachine;
  protected readonly foundation: HaFoundation;
  protected readonly identity: HaWorkflowIdentity;
  /**
   * The workflow's CloudWatch alarms, all to the operators' topic (none when the foundation's `alarms.enabled` is
   * false): the four execution alarms of each of its state machines, and the dead-letter alarm of its triggers.
   */
  readonly alarms: WorkflowAlarms = { executions: {} };
  /** Every state machine of the workflow, by its workflow id (e.g. `snapshot-backup-instance`). */
  readonly stateMachines: Record<string, sfn.StateMachine> = {};
  /** The workflow's outcome metrics, one graph each on the site's dashboard (HaDashboard), per group / set / policy. */
  readonly outcomeMetrics: OutcomeMetric[] = [];
  private triggerDeadLetters?: sqs.Queue;
  /** The parts of each state machine made by addStateMachine: what a trigger of it starts is its live alias. */
  private readonly machines = new Map<sfn.IStateMachine, HaStateMachineParts>();
  /** The role EventBridge starts the workflow's state machines with (made with the first rule). */
  private triggerRole?: iam.Role;

  protected constructor(scope: Construct, id: string, foundation: HaFoundation, identity: HaWorkflowIdentity) {
    super(scope, id);
    this.foundation = foundation;
    this.identity = identity;
  }

  /** How the alarms of this workflow are made: the foundation's settings, topic, and this workflow's runbook. */
  private alarmContext() {
    const settings = this.foundation.alarmSettings;
    const page = this.identity.runbook ?? `docs/workflows/${this.identity.workflow}.md`;
    return { settings, topic: this.foundation.topic, runbook: runbookUrl(settings, page) };
  }

  /** The parts of one of the workflow's state machines (made by addStateMachine); throws for any other. */
  protected partsOf(machine: sfn.IStateMachine): HaStateMachineParts {
    const parts = this.machines.get(machine);
    if (!parts) {
      throw new Error(
        `${this.node.path}: ${machine.node.path} is not a state machine of this workflow (addStateMachine makes them); ` +
          'a trigger starts only a live alias of one',
      );
    }
    return parts;
  }

  /**
   * The live alias of one of the workflow's state machines, to start it with, and its grant on `grantee`: Step
   * Functions authorizes a start through an alias with the state machine's own ARN (see `startLiveStatement`).
   */
  protected liveTarget(machine: sfn.IStateMachine, grantee?: iam.IGrantable): sfn.IStateMachine {
    const parts = this.partsOf(machine);
    grantee?.grantPrincipal.addToPrincipalPolicy(startLiveStatement(parts));
    return parts.live;
  }

  /**
   * The dead-letter queue of the workflow's triggers (`TriggerDeadLetters`, made by the foundation with its key), made
   * with the first trigger: an event that cannot start the workflow after every retry is kept here for 14 days.
   */
  get deadLetterQueue(): sqs.Queue {
    if (this.triggerDeadLetters === undefined) {
      this.triggerDeadLetters = this.foundation.triggerDeadLetterQueue(this);
      acknowledge(this.triggerDeadLetters, {
        ids: ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
        reason:
          `This queue is itself the dead-letter queue of ${this.identity.deadLettersOf ?? 'the EventBridge rule targets'} (cdk-nag only recognises ` +
          'SQS-to-SQS redrive); a dead-letter queue of a dead-letter queue would only move the same undeliverable ' +
          'events again.',
      });
      const ctx = this.alarmContext();
      if (ctx.settings.enabled) {
        this.alarms.deadLetters = deadLetterAlarm(this, this.triggerDeadLetters, this.identity.workflow, ctx);
      }
    }
    return this.triggerDeadLetters;
  }

  /**
   * A state machine of the workflow (createHaStateMachine: logging at the foundation's level, X-Ray tracing, a
   * timeout, a role of its own, a version behind the live alias) whose role may also do `statements` and use the
   * foundation's key (its table and topic are encrypted with it), with its four execution alarms.
   */
  protected addStateMachine(props: WorkflowStateMachineProps): HaStateMachineParts {
    const { id, statements = [], workflow = this.identity.workflow, definition, ...rest } = props;
    const common = { ...rest, workflow, logGroup: this.foundation.logGroup, logs: this.foundation.stateMachineLogs };
    const parts =
      id === undefined
        ? createHaStateMachine(this, { ...common, definition: definition(this) })
        : createHaStateMachineIn(this, id, { ...common, definition });
    for (const statement of statements) parts.role.addToPolicy(statement);
    parts.role.addToPolicy(this.foundation.keyUseStatement());
    this.machines.set(parts.stateMachine, parts);
    this.stateMachines[workflow] = parts.stateMachine;
    const ctx = this.alarmContext();
    if (ctx.settings.enabled) {
      this.alarms.executions[workflow] = executionAlarms(this, parts.stateMachine, workflow, ctx);
    }
    return parts;
  }

  /**
   * A Lambda task of the workflow (`TaskFunction`): its description starts with `ha-workflows <workflow>: `, its logs
   * follow the foundation's retention and are encrypted with its key.
   */
  protected addTaskFunction(id: string, props: WorkflowTaskFunctionProps): TaskFunction {
    return new TaskFunction(this, id, {
      ...props,
      description: `ha-workflows ${this.identity.workflow}: ${props.description}`,
      logRetention: this.foundation.logRetention,
      encryptionKey: this.foundation.key,
    });
  }

  /**
   * The workflow's record-outcome function (tasks/record-outcome): it writes the outcome metrics as an embedded metric
   * format log line (contracts/outcomes.ts), so it needs no permission beyond its own log group. Adds the outcome's
   * graphs (its duration and its failures, one line per group / mirror set / policy of `names`) to `outcomeMetrics`.
   */
  protected addOutcomeFunction(workflow: OutcomeWorkflow, names: readonly string[]): TaskFunction {
    const { namespace, dimension, duration } = OUTCOMES[workflow];
    this.outcomeMetrics.push(
      {
        title: `${workflow}: ${duration} per ${dimension.toLowerCase()} (s, maximum per hour)`,
        namespace,
        metricName: duration,
        dimension,
        values: names,
      },
      {
        title: `${workflow}: ${RESULT_METRICS.failed} per ${dimension.toLowerCase()} (sum per hour)`,
        namespace,
        metricName: RESULT_METRICS.failed,
        dimension,
        values: names,
        statistic: cloudwatch.Stats.SUM,
      },
    );
    const outcome = this.addTaskFunction('RecordOutcome', {
      task: 'record-outcome',
      description: 'record the outcome metrics of an execution (CloudWatch embedded metric format)',
      policy: [],
      timeout: OUTCOME_FUNCTION_TIMEOUT,
    });
    acknowledge(outcome, {
      ids: ['AwsSolutions-IAM5[Resource::*]'],
      reason:
        'The record-outcome function\'s role is granted only its own log group and, on "*", the X-Ray actions its ' +
        'tracing needs (they have no resource type).',
      wildcardActions: [...XRAY_ACTIONS],
    });
    acknowledge(this, {
      ids: invokeWildcardFindings([outcome.fn]),
      reason:
        'The outcome steps (LambdaInvoke) grant lambda:InvokeFunction on the record-outcome function and its versions ' +
        'and aliases (<arn>:*), as aws-stepfunctions-tasks does for every Lambda task.',
      wildcardActions: ['lambda:InvokeFunction'],
    });
    return outcome;
  }

  /** How a trigger delivers: to the workflow's dead-letter queue after TRIGGER_RETRY_ATTEMPTS retries. */
  protected triggerDelivery(maxEventAge: Duration = TRIGGER_MAX_EVENT_AGE): {
    readonly deadLetterQueue: sqs.IQueue;
    readonly maxEventAge: Duration;
    readonly retryAttempts: number;
  } {
    return { deadLetterQueue: this.deadLetterQueue, maxEventAge, retryAttempts: TRIGGER_RETRY_ATTEMPTS };
  }

  /**
   * An EventBridge rule (`<id>`) that starts `target`'s live alias on events matching the pattern (see
   * triggerDelivery), with the workflow's trigger role (`TriggerRole`: StartExecution of its own machines only).
   */
  protected addTrigger(id: string, props: WorkflowTriggerProps): events.Rule {
    const delivery = this.triggerDelivery(props.maxEventAge);
    this.triggerRole ??= new iam.Role(this, 'TriggerRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Lets the ${this.identity.workflow} rules start the workflow's live aliases, and nothing else`,
    });
    const live = this.liveTarget(props.target, this.triggerRole);
    return new events.Rule(this, id, {
      description: props.description,
      eventPattern: props.eventPattern,
      targets: [new eventTargets.SfnStateMachine(live, { ...delivery, role: this.triggerRole })],
    });
  }
}
