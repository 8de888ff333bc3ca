import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { acknowledge, type HaFoundation, HaWorkflow, LOG_DELIVERY_ACTIONS, PropsError, XRAY_ACTIONS } from '../base';
import { EXECUTION_STATUS_CHANGE, JANITOR_STATUSES, LOCK_JANITOR, lockJanitorDefinition } from './definition';

export interface LockJanitorProps {
  /** The shared table (scanned and released), topic (notified) and log group. */
  readonly foundation: HaFoundation;
  /**
   * The state machines whose ABORTED, TIMED_OUT (and lock-holding FAILED) executions the janitor cleans up after: those that take a lock in
   * the state table and cannot release it once stopped (instance-recovery, mirror-failover), and those whose stopped
   * runs must be reported (snapshot-backup's run). Not a machine that already has a rescue on its own status events
   * (snapshot-backup's per-instance machine, dr-promotion): two cleanups of one execution would race.
   */
  readonly stateMachines: readonly sfn.IStateMachine[];
}

/**
 * The lock janitor: one per stack, shared by every workflow in it (one rule listing every watched state machine, one
 * small state machine, one dead-letter queue), so a workflow knows nothing of it and the stack adds it once after
 * the workflows (infra/stack.ts). An app that builds its own stack adds it the same way.
 *
 * Every end releases what it holds: an execution that is stopped (StopExecution) or reaches its own timeout runs no
 * Catch, so its status-change event starts the janitor, which releases the locks that execution still owns (never
 * another's), leaves a group or mirror set NEEDS_ATTENTION, and notifies the operators once. FAILED executions start
 * it too (a lost response of the lock's write can leave a lock behind a failure path); one that holds nothing was
 * reported by its own failure path and the janitor ends quietly.
 */
export class LockJanitor extends HaWorkflow {
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: LockJanitorProps) {
    super(scope, id, props.foundation, {
      workflow: LOCK_JANITOR,
      deadLettersOf: 'the rule that starts the lock janitor',
      runbook: 'docs/operations.md#the-lock-janitor',
    });
    if (props.stateMachines.length === 0) {
      PropsError.throwIfAny('LockJanitor', ['stateMachines: got []; at least one state machine to watch']);
    }
    const { foundation } = props;
    // The table and topic are encrypted with the foundation's key: addStateMachine grants its use.
    const machine = this.addStateMachine({
      comment: 'Release the locks of an execution that ended without releasing them, and tell the operators',
      // A scan, a few conditional writes and a publish, each bounded by its timeout and retries.
      timeout: Duration.minutes(30),
      definition: (scope) => lockJanitorDefinition(scope, { table: foundation.table, topic: foundation.topic }),
    });
    this.stateMachine = machine.stateMachine;
    this.role = machine.role;
    this.rule = this.addTrigger('OnExecutionStopped', {
      description:
        'ha-workflows: an execution ended ABORTED, TIMED_OUT or FAILED → release the locks it still holds and notify',
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: {
          status: [...JANITOR_STATUSES],
          stateMachineArn: props.stateMachines.map((m) => m.stateMachineArn),
        },
      },
      target: this.stateMachine,
      maxEventAge: Duration.hours(2),
    });
    acknowledge(this.role, {
      ids: ['AwsSolutions-IAM5[Resource::*]'],
      reason:
        'The lock janitor is granted on "*" only ec2:DescribeInstances (it names the replacements a stopped recovery ' +
        'launched) and the X-Ray and CloudWatch Logs delivery actions of tracing and logging, none of which has ' +
        'resource-level permissions (Service Authorization Reference); its Scan, UpdateItem, PutItem, Publish and KMS ' +
        'grants name the state table, the operators topic and the key.',
      wildcardActions: ['ec2:DescribeInstances', ...LOG_DELIVERY_ACTIONS, ...XRAY_ACTIONS],
    });
  }
}
