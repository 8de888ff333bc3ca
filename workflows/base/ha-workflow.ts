import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';
import type { HaFoundation } from './foundation';
import {
  createHaStateMachine,
  createHaStateMachineIn,
  type HaStateMachineParts,
  type HaStateMachineProps,
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

/** Who a workflow construct is: what its task functions, state machines and dead-letter queue are named after. */
export interface HaWorkflowIdentity {
  /** The workflow's id, e.g. `instance-recovery`: its main state machine's, and its task functions' descriptions'. */
  readonly workflow: string;
  /**
   * What the workflow's dead-letter queue receives the undeliverable events of, for its cdk-nag acknowledgement,
   * e.g. `the EventBridge rule targets`.
   */
  readonly deadLettersOf: string;
}

/** A state machine of a workflow: HaStateMachineProps, with the foundation's log group and key. */
export interface WorkflowStateMachineProps extends Omit<HaStateMachineProps, 'logGroup' | 'definition' | 'workflow'> {
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
  /** The state machine the rule starts. */
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
  private triggerDeadLetters?: sqs.Queue;

  protected constructor(scope: Construct, id: string, foundation: HaFoundation, identity: HaWorkflowIdentity) {
    super(scope, id);
    this.foundation = foundation;
    this.identity = identity;
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
          `This queue is itself the dead-letter queue of ${this.identity.deadLettersOf} (cdk-nag only recognises ` +
          'SQS-to-SQS redrive); a dead-letter queue of a dead-letter queue would only move the same undeliverable ' +
          'events again.',
      });
    }
    return this.triggerDeadLetters;
  }

  /**
   * A state machine of the workflow (createHaStateMachine: logging at level ALL, X-Ray tracing, a timeout, a role of
   * its own) whose role may also do `statements` and use the foundation's key (its table and topic are encrypted
   * with it).
   */
  protected addStateMachine(props: WorkflowStateMachineProps): HaStateMachineParts {
    const { id, statements = [], workflow = this.identity.workflow, definition, ...rest } = props;
    const common = { ...rest, workflow, logGroup: this.foundation.logGroup };
    const parts =
      id === undefined
        ? createHaStateMachine(this, { ...common, definition: definition(this) })
        : createHaStateMachineIn(this, id, { ...common, definition });
    for (const statement of statements) parts.role.addToPolicy(statement);
    parts.role.addToPolicy(this.foundation.keyUseStatement());
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

  /** How a trigger delivers: to the workflow's dead-letter queue after TRIGGER_RETRY_ATTEMPTS retries. */
  protected triggerDelivery(maxEventAge: Duration = TRIGGER_MAX_EVENT_AGE): {
    readonly deadLetterQueue: sqs.IQueue;
    readonly maxEventAge: Duration;
    readonly retryAttempts: number;
  } {
    return { deadLetterQueue: this.deadLetterQueue, maxEventAge, retryAttempts: TRIGGER_RETRY_ATTEMPTS };
  }

  /** An EventBridge rule (`<id>`) that starts `target` on events matching the pattern (see triggerDelivery). */
  protected addTrigger(id: string, props: WorkflowTriggerProps): events.Rule {
    const delivery = this.triggerDelivery(props.maxEventAge);
    return new events.Rule(this, id, {
      description: props.description,
      eventPattern: props.eventPattern,
      targets: [new eventTargets.SfnStateMachine(props.target, delivery)],
    });
  }
}
