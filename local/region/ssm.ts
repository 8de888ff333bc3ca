/**
 * SSM Run Command of the simulated region: SendCommand, GetCommandInvocation, ListCommandInvocations, CancelCommand.
 *
 * What a command does on an instance is scripted by the scenario (`scripts`, first matching rule wins). A command that
 * no rule matches succeeds with exit code 0 and empty output after the default run time.
 *
 * Timeline of one invocation (latency keys of local/latency.ts, latency-model §4):
 *   SendCommand at t0 → invisible to GetCommandInvocation (InvocationDoesNotExist) until t0 + `ssm.invocationVisible`,
 *   when the agent also starts it (InProgress; dispatch and visibility share that default of 1 s) → it ends after the
 *   rule's `durationSeconds` (default: `ssm.commandRun` − `ssm.invocationVisible`, so a short command is seen
 *   finished `ssm.commandRun` = 3 s after it was sent) → Success (exit 0) or Failed (any other exit code). A command
 *   still running at the execution timeout (the `executionTimeout` parameter, default 3600 s) ends TimedOut /
 *   StatusDetails `ExecutionTimedOut`; `hang: true` makes that happen always.
 *
 * The instance is looked at whenever the simulator is called (state is settled lazily from the clock, and a change of
 * the instance is taken to happen when a call first sees it):
 * - it is gone (terminated, shutting down, unknown) before the command started → Status `Failed`, StatusDetails
 *   `Undeliverable` (a StatusDetails value of the monitor-commands page; the Status enum has no Undeliverable);
 * - it is unavailable (stopped, impaired, agent offline) before the command started, or impaired when the command was
 *   sent (SSM still lists its agent online, so SendCommand accepts it) → Status and StatusDetails
 *   `Delayed`; delivered when it comes back, or TimedOut / `DeliveryTimedOut` at SendCommand's TimeoutSeconds
 *   (default 3600 s), as the monitor-commands documentation describes;
 * - it becomes unavailable while the command runs → Status `Failed`, StatusDetails `Failed`, ResponseCode -1, and no
 *   effect (the agent was killed with its process).
 * A rule's `effect` is applied to the instance's workload when the command ends by itself, whatever its exit code.
 * StatusDetails use the API's spellings (`DeliveryTimedOut`, `ExecutionTimedOut`, quoted in aws/amazon-ssm-agent#316);
 * the SDK's prose writes them with spaces.
 */
import type {
  CancelCommandResult,
  Command,
  CommandInvocation,
  CommandInvocationStatus,
  GetCommandInvocationResult,
  ListCommandInvocationsResult,
  SendCommandResult,
} from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { AwsApiError } from './errors';
import type { ActionHandler, ServiceSimulator, SimulatedRegion } from './region';
import { type InstanceInspector, instanceInspectorOf } from './types';
import {
  instanceHostOf,
  type PendingWorkloadEffects,
  type WorkloadState,
  workloadStateSchema,
  type WorkloadUpdates,
} from './workload';

export const ssmScriptRuleSchema = z.strictObject({
  /** Only on this instance. Omitted: any instance. */
  instanceId: z.string().optional(),
  match: z
    .strictObject({
      document: z.string().optional(),
      /** A substring of the joined `commands` parameter or of any parameter value. */
      commandContains: z.string().optional(),
      /** Parameters that must have these values (the parameter's values joined by newlines, or one of them). */
      parameters: z.record(z.string(), z.string()).optional(),
    })
    .prefault({}),
  exitCode: z.number().int().default(0),
  stdout: z.string().default(''),
  stderr: z.string().default(''),
  /** Seconds the command runs on the instance. Omitted: `ssm.commandRun` − `ssm.invocationVisible`. */
  durationSeconds: z.number().nonnegative().optional(),
  /** Never finishes: InProgress until the execution timeout, then TimedOut. */
  hang: z.boolean().default(false),
  /** Workload changes applied when the command ends by itself (any exit code). */
  effect: workloadStateSchema.optional(),
  /** The rule applies to this many invocations, then no longer matches. Omitted: every one. */
  times: z.number().int().positive().optional(),
});

export const ssmEnvironmentSchema = z.strictObject({
  /** The stack's command documents (`AWS-RunShellScript` and `AWS-RunPowerShellScript` always exist). */
  documents: z
    .array(z.strictObject({ name: z.string().min(3), parameters: z.array(z.string()).optional() }))
    .default([]),
  scripts: z.array(ssmScriptRuleSchema).default([]),
});
export type SsmEnvironment = z.input<typeof ssmEnvironmentSchema>;
type ScriptRule = z.output<typeof ssmScriptRuleSchema>;

const BUILT_IN_DOCUMENTS = [
  { name: 'AWS-RunShellScript', parameters: ['commands', 'workingDirectory', 'executionTimeout'] },
  { name: 'AWS-RunPowerShellScript', parameters: ['commands', 'workingDirectory', 'executionTimeout'] },
];
const DEFAULT_TIMEOUT_SECONDS = 3600;
const DEFAULT_EXECUTION_TIMEOUT_SECONDS = 3600;
/** GetCommandInvocation returns the first 24,000 characters of stdout and 8,000 of stderr (SDK model docs). */
const STDOUT_LIMIT = 24000;
const STDERR_LIMIT = 8000;

interface Outcome {
  readonly status: CommandInvocationStatus;
  readonly details: string;
  readonly endedAt: number;
  readonly responseCode: number;
  /** The command ran to its end by itself (its output is visible). */
  readonly ranToEnd: boolean;
  readonly effectApplied: boolean;
}

interface Invocation {
  readonly instanceId: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly effect?: WorkloadState;
  /** Run time in ms; undefined when the command hangs. */
  readonly runMs?: number;
  /** Epoch ms the agent starts it (moves if delivery was delayed). */
  startAt: number;
  delayed: boolean;
  outcome?: Outcome;
}

interface CommandRecord {
  readonly commandId: string;
  readonly documentName: string;
  readonly comment: string;
  readonly parameters: Record<string, string[]>;
  readonly requestedAt: number;
  readonly visibleAt: number;
  readonly timeoutSeconds: number;
  readonly executionTimeoutMs: number;
  readonly pluginName: string;
  readonly invocations: Invocation[];
}

type Input = Record<string, unknown>;

/** What Run Command needs of the region: the instances (is the agent online?) and their workload (a command's effect). */
export interface SsmDependencies {
  readonly instances: InstanceInspector;
  readonly workload: WorkloadUpdates;
}

export class SsmSimulator implements ServiceSimulator, PendingWorkloadEffects {
  readonly name = 'ssm' as const;
  readonly actions: Readonly<Record<string, ActionHandler>> = {
    SendCommand: (input) => this.sendCommand(input),
    GetCommandInvocation: (input) => this.getCommandInvocation(input),
    ListCommandInvocations: (input) => this.listCommandInvocations(input),
    CancelCommand: (input) => this.cancelCommand(input),
  };
  private readonly documents = new Map<string, readonly string[] | undefined>();
  private readonly rules: { rule: ScriptRule; remaining: number }[];
  private readonly commands = new Map<string, CommandRecord>();

  constructor(
    private readonly region: SimulatedRegion,
    environment: SsmEnvironment = {},
    /** @default the region's `ec2` service and its `workload`, looked up at each use */
    private readonly dependencies?: SsmDependencies,
  ) {
    const env = ssmEnvironmentSchema.parse(environment);
    for (const d of [...BUILT_IN_DOCUMENTS, ...env.documents]) this.documents.set(d.name, d.parameters);
    this.rules = env.scripts.map((rule) => ({ rule, remaining: rule.times ?? Infinity }));
  }

  latencyOf(action: string): number {
    return action === 'SendCommand' || action === 'CancelCommand'
      ? this.region.latency['ssm.SendCommand']
      : this.region.latency['ssm.GetCommandInvocation'];
  }

  snapshot(): unknown {
    this.settle();
    const at = (ms: number) => (ms - this.region.clock.startMs) / 1000;
    return {
      commands: [...this.commands.values()].map((c) => ({
        commandId: c.commandId,
        documentName: c.documentName,
        parameters: c.parameters,
        ...(c.comment ? { comment: c.comment } : {}),
        requestedAt: at(c.requestedAt),
        invocations: c.invocations.map((inv) => {
          const { status, details, responseCode } = this.statusOf(inv);
          return {
            instanceId: inv.instanceId,
            status,
            statusDetails: details,
            responseCode,
            ...(inv.outcome ? { endedAt: at(inv.outcome.endedAt), effectApplied: inv.outcome.effectApplied } : {}),
          };
        }),
      })),
    };
  }

  /**
   * Brings every invocation up to the current modeled time: finishes those whose run time is over (applying their
   * effects) and reacts to instances that stopped or failed. Runs before every action; another simulator or the
   * engine may call it to see workload effects on time.
   */
  settle(): void {
    const now = this.region.clock.now();
    for (const command of this.commands.values()) {
      for (const inv of command.invocations) if (!inv.outcome) this.settleInvocation(command, inv, now);
    }
  }

  private settleInvocation(command: CommandRecord, inv: Invocation, now: number): void {
    const view = this.inspector().inspectInstance(inv.instanceId);
    const gone = !view || view.state === 'terminated' || view.state === 'shutting-down';
    const available = !gone && view.state === 'running' && !view.impaired && view.ssmOnline;
    const deliveryDeadline = command.requestedAt + command.timeoutSeconds * 1000;
    const end = (status: CommandInvocationStatus, details: string, endedAt: number) => {
      inv.outcome = { status, details, endedAt, responseCode: -1, ranToEnd: false, effectApplied: false };
    };
    if (inv.delayed) {
      if (gone) return end('Failed', 'Undeliverable', now);
      if (now >= deliveryDeadline) return end('TimedOut', 'DeliveryTimedOut', deliveryDeadline);
      if (!available) return;
      inv.delayed = false;
      inv.startAt = now;
    }
    const timeoutAt = inv.startAt + command.executionTimeoutMs;
    const finishAt = inv.runMs === undefined ? Infinity : inv.startAt + inv.runMs;
    if (Math.min(finishAt, timeoutAt) <= now) {
      if (finishAt > timeoutAt) return end('TimedOut', 'ExecutionTimedOut', timeoutAt);
      const effect = view ? inv.effect : undefined;
      // At the command's own end: the caller's clock may be later (each execution keeps its own modeled time).
      if (effect) this.workload().update(inv.instanceId, effect, finishAt);
      const success = inv.exitCode === 0;
      inv.outcome = {
        status: success ? 'Success' : 'Failed',
        details: success ? 'Success' : 'Failed',
        endedAt: finishAt,
        responseCode: inv.exitCode,
        ranToEnd: true,
        effectApplied: effect !== undefined,
      };
      return;
    }
    if (available) return;
    if (now >= inv.startAt) return end('Failed', 'Failed', now);
    if (gone) return end('Failed', 'Undeliverable', now);
    inv.delayed = true;
  }

  /**
   * The invocation's outcome if it has ended by `now`. Another execution, further on in modeled time, may have
   * settled it already; a caller whose clock has not reached its end still sees it running.
   */
  private endedBy(inv: Invocation, now = this.region.clock.now()): Outcome | undefined {
    return inv.outcome && inv.outcome.endedAt <= now ? inv.outcome : undefined;
  }

  private statusOf(inv: Invocation): { status: CommandInvocationStatus; details: string; responseCode: number } {
    const outcome = this.endedBy(inv);
    if (outcome) return { status: outcome.status, details: outcome.details, responseCode: outcome.responseCode };
    if (inv.delayed) return { status: 'Delayed', details: 'Delayed', responseCode: -1 };
    return this.region.clock.now() < inv.startAt
      ? { status: 'Pending', details: 'Pending', responseCode: -1 }
      : { status: 'InProgress', details: 'InProgress', responseCode: -1 };
  }

  private inspector(): InstanceInspector {
    return this.dependencies?.instances ?? instanceInspectorOf(this.region, 'the simulated SSM');
  }

  private workload(): WorkloadUpdates {
    return this.dependencies?.workload ?? instanceHostOf(this.region, 'the simulated SSM').workload;
  }

  // ---------------------------------------------------------------------------------------------------------------

  private sendCommand(input: Input): SendCommandResult {
    this.settle();
    const documentName = requiredString(input, 'DocumentName');
    if (input.Targets !== undefined)
      throw new Error('the simulated SSM does not resolve SendCommand Targets; use InstanceIds');
    const instanceIds = (input.InstanceIds as string[] | undefined) ?? [];
    if (instanceIds.length === 0) {
      throw new AwsApiError('ssm', 'ValidationException', 'Either InstanceIds or Targets must be specified', 400);
    }
    if (instanceIds.length > 50) {
      throw validation(
        `Value '[${instanceIds.join(', ')}]' at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50`,
      );
    }
    if (new Set(instanceIds).size !== instanceIds.length) throw new AwsApiError('ssm', 'DuplicateInstanceId', '', 400);
    const timeoutSeconds = (input.TimeoutSeconds as number | undefined) ?? DEFAULT_TIMEOUT_SECONDS;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 2592000) {
      throw validation(
        `Value '${timeoutSeconds}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value between 30 and 2592000`,
      );
    }
    if (!this.documents.has(documentName)) {
      throw new AwsApiError('ssm', 'InvalidDocument', `Document with name ${documentName} does not exist.`, 400);
    }
    const parameters = (input.Parameters as Record<string, string[]> | undefined) ?? {};
    const declared = this.documents.get(documentName);
    const unknown = declared ? Object.keys(parameters).filter((p) => !declared.includes(p)) : [];
    if (unknown.length > 0) {
      throw new AwsApiError(
        'ssm',
        'InvalidParameters',
        `Parameters ${unknown.join(', ')} are not defined in document ${documentName}.`,
        400,
      );
    }
    if (BUILT_IN_DOCUMENTS.some((d) => d.name === documentName) && !(parameters.commands?.length > 0)) {
      throw new AwsApiError('ssm', 'InvalidParameters', 'Parameter "commands" is required.', 400);
    }
    const executionTimeout = parameters.executionTimeout?.[0] ?? String(DEFAULT_EXECUTION_TIMEOUT_SECONDS);
    if (!/^\d+$/.test(executionTimeout) || Number(executionTimeout) < 1 || Number(executionTimeout) > 172800) {
      throw new AwsApiError(
        'ssm',
        'InvalidParameters',
        `Parameter "executionTimeout" has an invalid value: ${executionTimeout}.`,
        400,
      );
    }
    const views = new Map(instanceIds.map((id) => [id, this.inspector().inspectInstance(id)]));
    const notReady = instanceIds.filter((id) => {
      const view = views.get(id);
      return !view || view.state !== 'running' || !view.ssmOnline;
    });
    if (notReady.length > 0) {
      // The real message (aws/aws-cli#2412): "Instances [[i-…]] not in a valid state for account …".
      throw new AwsApiError(
        'ssm',
        'InvalidInstanceId',
        `Instances [[${notReady.join(', ')}]] not in a valid state for account ${this.region.accountId}`,
        400,
      );
    }

    const now = this.region.clock.now();
    const latency = this.region.latency;
    const visibleAt = now + latency['ssm.invocationVisible'] * 1000;
    const defaultRunSeconds = Math.max(0, latency['ssm.commandRun'] - latency['ssm.invocationVisible']);
    const command: CommandRecord = {
      commandId: this.region.random.uuid(),
      documentName,
      comment: (input.Comment as string | undefined) ?? '',
      parameters,
      requestedAt: now,
      visibleAt,
      timeoutSeconds,
      executionTimeoutMs: Number(executionTimeout) * 1000,
      pluginName: documentName === 'AWS-RunPowerShellScript' ? 'aws:runPowerShellScript' : 'aws:runShellScript',
      invocations: instanceIds.map((instanceId) => {
        const rule = this.matchRule(instanceId, documentName, parameters);
        return {
          instanceId,
          exitCode: rule?.exitCode ?? 0,
          stdout: rule?.stdout ?? '',
          stderr: rule?.stderr ?? '',
          ...(rule?.effect ? { effect: rule.effect } : {}),
          runMs: rule?.hang ? undefined : (rule?.durationSeconds ?? defaultRunSeconds) * 1000,
          startAt: visibleAt,
          // An impaired instance whose agent SSM still believes online does not pick the command up.
          delayed: views.get(instanceId)?.impaired === true,
        };
      }),
    };
    this.commands.set(command.commandId, command);
    const result: Command = {
      CommandId: command.commandId,
      DocumentName: documentName,
      DocumentVersion: '$DEFAULT',
      Comment: command.comment,
      ExpiresAfter: new Date(now + (timeoutSeconds + Number(executionTimeout)) * 1000),
      Parameters: parameters,
      InstanceIds: instanceIds,
      Targets: [],
      RequestedDateTime: new Date(now),
      Status: 'Pending',
      StatusDetails: 'Pending',
      MaxConcurrency: '50',
      MaxErrors: '0',
      TargetCount: instanceIds.length,
      CompletedCount: 0,
      ErrorCount: 0,
      DeliveryTimedOutCount: 0,
      ServiceRole: '',
      NotificationConfig: { NotificationArn: '', NotificationEvents: [] },
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
      TimeoutSeconds: timeoutSeconds,
    };
    return { Command: result };
  }

  private matchRule(
    instanceId: string,
    document: string,
    parameters: Record<string, string[]>,
  ): ScriptRule | undefined {
    const values = Object.values(parameters).flat();
    const commands = (parameters.commands ?? []).join('\n');
    const entry = this.rules.find(({ rule, remaining }) => {
      const m = rule.match;
      if (remaining <= 0 || (rule.instanceId !== undefined && rule.instanceId !== instanceId)) return false;
      if (m.document !== undefined && m.document !== document) return false;
      const text = m.commandContains;
      if (text !== undefined && !commands.includes(text) && !values.some((v) => v.includes(text))) return false;
      return Object.entries(m.parameters ?? {}).every(
        ([k, v]) => (parameters[k] ?? []).join('\n') === v || (parameters[k] ?? []).includes(v),
      );
    });
    if (entry) entry.remaining -= 1;
    return entry?.rule;
  }

  private findInvocation(input: Input): { command: CommandRecord; inv: Invocation } {
    const commandId = requiredString(input, 'CommandId');
    const instanceId = requiredString(input, 'InstanceId');
    if (commandId.length !== 36) throw new AwsApiError('ssm', 'InvalidCommandId', '', 400);
    if (!/^(i-[0-9a-f]{8,17}|mi-[0-9a-f]{17})$/.test(instanceId))
      throw new AwsApiError('ssm', 'InvalidInstanceId', '', 400);
    const command = this.commands.get(commandId);
    const inv = command?.invocations.find((i) => i.instanceId === instanceId);
    // Before the invocation is visible, and for an unknown pair, the service answers InvocationDoesNotExist with an
    // empty message (boto/boto3#2701).
    if (!command || !inv || this.region.clock.now() < command.visibleAt) {
      throw new AwsApiError('ssm', 'InvocationDoesNotExist', '', 400);
    }
    return { command, inv };
  }

  private getCommandInvocation(input: Input): GetCommandInvocationResult {
    this.settle();
    const { command, inv } = this.findInvocation(input);
    const { status, details, responseCode } = this.statusOf(inv);
    const now = this.region.clock.now();
    const outcome = this.endedBy(inv, now);
    const started = !inv.delayed && now >= inv.startAt && !(outcome && outcome.endedAt < inv.startAt);
    const endedAt = outcome?.endedAt;
    const finishedByItself = outcome?.ranToEnd === true;
    const elapsedMs = started ? Math.max(0, (endedAt ?? now) - inv.startAt) : 0;
    return {
      CommandId: command.commandId,
      InstanceId: inv.instanceId,
      Comment: command.comment,
      DocumentName: command.documentName,
      DocumentVersion: '1',
      PluginName: command.pluginName,
      ResponseCode: responseCode,
      ExecutionStartDateTime: started ? new Date(inv.startAt).toISOString() : '',
      ExecutionElapsedTime: `PT${elapsedMs / 1000}S`,
      ExecutionEndDateTime: started && endedAt !== undefined ? new Date(endedAt).toISOString() : '',
      Status: status,
      StatusDetails: details,
      StandardOutputContent: finishedByItself ? inv.stdout.slice(0, STDOUT_LIMIT) : '',
      StandardOutputUrl: '',
      StandardErrorContent: finishedByItself ? inv.stderr.slice(0, STDERR_LIMIT) : '',
      StandardErrorUrl: '',
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    };
  }

  private listCommandInvocations(input: Input): ListCommandInvocationsResult {
    this.settle();
    const now = this.region.clock.now();
    const commandId = input.CommandId as string | undefined;
    const instanceId = input.InstanceId as string | undefined;
    if (commandId !== undefined && !this.commands.has(commandId))
      throw new AwsApiError('ssm', 'InvalidCommandId', '', 400);
    const invocations: CommandInvocation[] = [];
    for (const command of this.commands.values()) {
      if ((commandId !== undefined && command.commandId !== commandId) || now < command.visibleAt) continue;
      for (const inv of command.invocations) {
        if (instanceId !== undefined && inv.instanceId !== instanceId) continue;
        const { status, details, responseCode } = this.statusOf(inv);
        const started = !inv.delayed && now >= inv.startAt;
        invocations.push({
          CommandId: command.commandId,
          InstanceId: inv.instanceId,
          InstanceName: '',
          Comment: command.comment,
          DocumentName: command.documentName,
          DocumentVersion: '1',
          RequestedDateTime: new Date(command.requestedAt),
          Status: status,
          StatusDetails: details,
          TraceOutput: '',
          StandardOutputUrl: '',
          StandardErrorUrl: '',
          ...(input.Details === true
            ? {
                CommandPlugins: [
                  {
                    Name: command.pluginName,
                    Status: status === 'Cancelling' || status === 'Delayed' ? 'Pending' : status,
                    StatusDetails: details,
                    ResponseCode: responseCode,
                    ...(started ? { ResponseStartDateTime: new Date(inv.startAt) } : {}),
                    ...(this.endedBy(inv, now) ? { ResponseFinishDateTime: new Date(inv.outcome!.endedAt) } : {}),
                    // ListCommandInvocations shows the first 2,500 characters of output.
                    Output: this.endedBy(inv, now)?.ranToEnd ? `${inv.stdout}${inv.stderr}`.slice(0, 2500) : '',
                    StandardOutputUrl: '',
                    StandardErrorUrl: '',
                  },
                ],
              }
            : {}),
          ServiceRole: '',
          CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
        });
      }
    }
    return { CommandInvocations: invocations };
  }

  /** Cancels the invocations that have not ended (immediately Cancelled; AWS passes through Cancelling). */
  private cancelCommand(input: Input): CancelCommandResult {
    this.settle();
    const command = this.commands.get(requiredString(input, 'CommandId'));
    if (!command) throw new AwsApiError('ssm', 'InvalidCommandId', '', 400);
    const instanceIds = input.InstanceIds as string[] | undefined;
    const now = this.region.clock.now();
    for (const inv of command.invocations) {
      if (inv.outcome || (instanceIds && !instanceIds.includes(inv.instanceId))) continue;
      inv.outcome = {
        status: 'Cancelled',
        details: 'Cancelled',
        endedAt: now,
        responseCode: -1,
        ranToEnd: false,
        effectApplied: false,
      };
    }
    return {};
  }
}

function validation(detail: string): AwsApiError {
  return new AwsApiError('ssm', 'ValidationException', `1 validation error detected: ${detail}`, 400);
}

function requiredString(input: Input, member: string): string {
  const value = input[member];
  if (typeof value !== 'string' || value === '') {
    const name = member.charAt(0).toLowerCase() + member.slice(1);
    throw validation(`Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}
