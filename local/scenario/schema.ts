import { z } from 'zod';
import { cloudwatchEnvironmentSchema } from '../region/cloudwatch';
import { dynamodbEnvironmentSchema } from '../region/dynamodb';
import { ec2EnvironmentSchema } from '../region/ec2';
import { requestRatesSchema } from '../region/request-rates';
import { elbv2EnvironmentSchema } from '../region/elbv2';
import { httpEnvironmentSchema } from '../region/http';
import { snsEnvironmentSchema } from '../region/sns';
import { ssmEnvironmentSchema } from '../region/ssm';

const serviceName = z.enum(['ec2', 'elasticloadbalancingv2', 'ssm', 'dynamodb', 'cloudwatch', 'sns', 'sfn', 'http']);

export const apiFaultSchema = z
  .strictObject({
    service: serviceName,
    /** PascalCase action, e.g. "RunInstances". */
    action: z.string().regex(/^[A-Z][A-Za-z0-9]+$/, 'must be a PascalCase API action such as "RunInstances"'),
    /** Deep partial match on the call's input. */
    match: z.record(z.string(), z.unknown()).optional(),
    error: z
      .strictObject({
        code: z.string().min(1),
        message: z.string().optional(),
        statusCode: z.number().int().min(400).max(599).optional(),
      })
      .optional(),
    times: z.number().int().min(1).optional(),
    probability: z.number().min(0).max(1).optional(),
    addLatencySeconds: z.number().min(0).optional(),
    afterSeconds: z.number().min(0).optional(),
    /** Only before this modeled second of the drill: with `afterSeconds`, a window that closes (an outage ends). */
    untilSeconds: z.number().min(0).optional(),
  })
  .refine((f) => f.untilSeconds === undefined || f.untilSeconds > (f.afterSeconds ?? 0), {
    message: '"untilSeconds" must be after "afterSeconds" (an empty window injects nothing)',
    path: ['untilSeconds'],
  });

export const triggerSchema = z
  .strictObject({
    /**
     * An EventBridge event put on the default bus (missing envelope fields are filled in). It is matched against
     * the event patterns of the stack's rules and starts each matching rule's state machine; an event that no rule
     * matches fails the drill.
     */
    event: z
      .looseObject({ source: z.string(), 'detail-type': z.string(), detail: z.record(z.string(), z.unknown()) })
      .optional(),
    /** An execution input, as an operator starts it: it starts the scenario's workflow directly. */
    input: z.record(z.string(), z.unknown()).optional(),
    /**
     * A CloudWatch alarm of the environment changes state (as its evaluation would): its "CloudWatch Alarm State
     * Change" event goes through the rules, `events.delivery` seconds later. Matching no rule is not an error.
     */
    alarm: z
      .strictObject({
        name: z.string().min(1),
        state: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
        reason: z.string().default('Threshold Crossed (scenario)'),
      })
      .optional(),
    /** Execution name (input triggers only: a rule's target cannot name the execution); omitted: generated. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,80}$/)
      .optional(),
    /** `together` starts with the triggers before it; `after-previous` waits until they end. */
    start: z.enum(['together', 'after-previous']).default('together'),
    /**
     * Starts the execution at this modeled second of the drill (an event that arrives while earlier executions
     * run): it starts once every execution still running has reached that second, at that second.
     */
    atSeconds: z.number().min(0).optional(),
    /**
     * How many times the event (or input) is delivered: EventBridge and EventBridge Scheduler deliver at least
     * once, so a target may start twice for one event (same event id).
     */
    times: z.number().int().min(1).max(10).default(1),
    /** Seconds between the deliveries of `times` (0: together). Later triggers come after the last duplicate. */
    duplicateAfterSeconds: z.number().min(0).default(0),
  })
  .refine((t) => [t.event, t.input, t.alarm].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of "event", "input" or "alarm"',
  })
  .refine((t) => !(t.atSeconds !== undefined && t.start === 'after-previous'), {
    message: 'give either "atSeconds" or "start": "after-previous", not both',
    path: ['atSeconds'],
  })
  .refine((t) => t.name === undefined || t.input !== undefined, {
    message: 'only an "input" trigger can name its execution (a rule target cannot)',
    path: ['name'],
  })
  .refine((t) => t.name === undefined || t.times === 1, {
    message: 'a named execution cannot start twice: StartExecution with the same name returns the first one',
    path: ['times'],
  })
  .refine((t) => t.alarm === undefined || t.times === 1, {
    message: 'an alarm changes state once; repeat the trigger to make it flap',
    path: ['times'],
  });

export const environmentSchema = z
  .strictObject({
    ec2: ec2EnvironmentSchema.optional(),
    elasticloadbalancingv2: elbv2EnvironmentSchema.optional(),
    ssm: ssmEnvironmentSchema.optional(),
    dynamodb: dynamodbEnvironmentSchema.optional(),
    cloudwatch: cloudwatchEnvironmentSchema.optional(),
    sns: snsEnvironmentSchema.optional(),
    http: httpEnvironmentSchema.optional(),
    /**
     * The account's EC2 API request rates (token buckets, `RequestLimitExceeded`), e.g. `{ "enabled": true }`.
     * @default no request-rate throttling (only the scenario's `faults`)
     */
    requestRates: requestRatesSchema.optional(),
  })
  .default({});

const predicateSchema = z.union([
  z.strictObject({
    /** Where in the final environment: dotted path, e.g. "ec2.instances". Must lead to a list. */
    select: z.string().min(1),
    /** Deep partial match each selected element must satisfy to count. */
    where: z.record(z.string(), z.unknown()).optional(),
    count: z.number().int().min(0),
    /** Shown when the predicate fails. */
    description: z.string().optional(),
  }),
  z.strictObject({
    /** Dotted path to one value. */
    path: z.string().min(1),
    equals: z.unknown(),
    description: z.string().optional(),
  }),
]);

const executionExpectSchema = z.strictObject({
  status: z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']).optional(),
  error: z.string().optional(),
  /** Name of the state the execution must end in (its last state entered). */
  endState: z.string().optional(),
});

export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  /** The workflow to drill, e.g. "instance-recovery". */
  workflow: z.string().regex(/^[a-z][a-z0-9-]+$/),
  /** Which stack: the primary region's or the DR region's. */
  site: z.enum(['primary', 'dr']).default('primary'),
  /** The app configuration: a path relative to the scenario file, or the configuration itself. */
  config: z.union([z.string(), z.record(z.string(), z.unknown())]).default('../../infra/config/example.json'),
  seed: z.number().int().min(0).default(1),
  environment: environmentSchema,
  /** Latency overrides by key (see docs/latency-model.md). */
  latency: z.record(z.string(), z.number().min(0)).default({}),
  faults: z.array(apiFaultSchema).default([]),
  triggers: z.array(triggerSchema).min(1, 'must have at least one trigger'),
  approvals: z
    .array(
      z.strictObject({
        state: z.string().optional(),
        decision: z.enum(['approve', 'reject', 'never']),
        afterSeconds: z.number().min(0).default(0),
        output: z.unknown().optional(),
        error: z.string().optional(),
        cause: z.string().optional(),
      }),
    )
    .default([]),
  /**
   * An operator's `StopExecution` of a triggered execution (`execution`, 1-based in starting order) when it enters
   * `atState`, or at its first step at or after `atSeconds` of the drill, or both (the first time it enters
   * `atState` at or after `atSeconds`). A wait for a task token (an approval) in progress at `atSeconds` ends then.
   * An execution that has ended, or never gets there, is not stopped.
   */
  stops: z
    .array(
      z
        .strictObject({
          execution: z.number().int().min(1).default(1),
          atSeconds: z.number().min(0).optional(),
          atState: z.string().min(1).optional(),
          /** The `error` and `cause` StopExecution records on the execution. */
          error: z.string().max(256).optional(),
          cause: z.string().max(32768).optional(),
        })
        .refine((s) => s.atSeconds !== undefined || s.atState !== undefined, {
          message: 'give "atSeconds", "atState" or both: when the operator stops the execution',
          path: ['atSeconds'],
        }),
    )
    .default([]),
  expect: z
    .strictObject({
      /** Expectations on the first execution (shorthand). */
      status: executionExpectSchema.shape.status,
      error: executionExpectSchema.shape.error,
      endState: executionExpectSchema.shape.endState,
      /** Expectations per trigger, in order. */
      executions: z.array(executionExpectSchema).optional(),
      environment: z.array(predicateSchema).default([]),
      /**
       * Fails the drill when two instances write at the same moment anywhere on the timeline (`ec2.writers`): `true`
       * for all instances, or `{ "groupByTag": "<tag key>" }` for instances sharing that tag's value.
       */
      neverTwoWriters: z.union([z.boolean(), z.strictObject({ groupByTag: z.string().min(1) })]).optional(),
      /**
       * Campaign invariants (docs/campaigns.md) checked over the drill's whole history, by name, e.g.
       * `["never-left-frozen"]`: a campaign writes the one a shrunk schedule broke, so `drill` replays the violation.
       */
      invariants: z.array(z.string().regex(/^[a-z][a-z0-9-]+$/)).optional(),
    })
    .optional(),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Predicate = z.output<typeof predicateSchema>;
