/**
 * Check 6 (issue #13 item 6): every name in every `ErrorEquals` is one that some call of that state can produce.
 *
 * - `States.*`: Step Functions' own errors (docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 * - An `aws-sdk:<service>:*` Task: a name the installed SDK model gives (local/region/sdk-model.ts): each modeled
 *   error shape as the Java 2.x class `<Service>.<Shape>Exception`, and the generic `<Service>.<Service>Exception`.
 * - An optimized Task (`dynamodb:*`, `sns:publish`, `states:startExecution`, `lambda:invoke`): the Java 1.x names
 *   (`DynamoDB.ConditionalCheckFailedException`, `DynamoDB.AmazonDynamoDBException`, `<Prefix>.SdkClientException`).
 * - `lambda:invoke` also: the function's own errors, declared in `LAMBDA_TASK_ERRORS` (contracts/errors.ts),
 *   and the Lambda runtime's `Sandbox.Timedout`.
 * - `.waitForTaskToken` also: the errors a callback is failed with (`CALLBACK_ERRORS`).
 * - A Map or Parallel state: what any state inside it can produce, and the `Error` of its Fail states.
 * Resources this check does not know (activities, HTTP tasks) are not checked.
 */
import { SDK_SERVICES, possibleIntegrationErrorNames } from '../../local/region/sdk-model';
import { CALLBACK_ERRORS, LAMBDA_TASK_ERRORS } from '../../contracts/errors';
import { type AslState, type CheckOptions, type Finding, allStates, isRecord } from './findings';

/** Step Functions' own error names (Error handling in Step Functions, "Error names"). */
export const STATES_ERRORS: ReadonlySet<string> = new Set([
  'States.ALL',
  'States.DataLimitExceeded',
  'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout',
  'States.Http.Socket',
  'States.IntrinsicFailure',
  'States.ItemReaderFailed',
  'States.NoChoiceMatched',
  'States.ParameterPathFailure',
  'States.Permissions',
  'States.QueryEvaluationError',
  'States.ResultPathMatchFailure',
  'States.ResultWriterFailed',
  'States.Runtime',
  'States.TaskFailed',
  'States.Timeout',
  'States.BranchFailed',
]);

/**
 * Errors a `lambda:invoke` Task reports besides the function's own and the Lambda model's shapes: the client's
 * `Lambda.ClientExecutionTimeoutException` and `Lambda.Unknown` (unhandled: out of memory, function timeout) from
 * "Handle Lambda service exceptions" (docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html),
 * and the runtime's `Sandbox.Timedout` (a function that ran past its own timeout).
 */
export const LAMBDA_RUNTIME_ERRORS: readonly string[] = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
  'Sandbox.Timedout',
];

/** What a state can fail with, as names a Retry/Catch may list; undefined when the check does not know. */
export interface ErrorSources {
  readonly lambdaTaskErrors: readonly string[];
  readonly callbackErrors: readonly string[];
}

const DEFAULT_SOURCES: ErrorSources = { lambdaTaskErrors: LAMBDA_TASK_ERRORS, callbackErrors: CALLBACK_ERRORS };

/** The names a Task's call can produce (besides `States.*`); undefined for a resource the check does not know. */
export function taskErrorNames(resource: unknown, sources: ErrorSources = DEFAULT_SOURCES): Set<string> | undefined {
  if (typeof resource !== 'string') return undefined;
  const callback = resource.endsWith('.waitForTaskToken');
  const arn = resource.replace(/\.(waitForTaskToken|sync(:2)?)$/, '');
  const extra = callback ? sources.callbackErrors : [];
  const sdk = /^arn:[\w-]+:states:::aws-sdk:([A-Za-z0-9]+):[A-Za-z0-9]+$/.exec(arn);
  if (sdk) {
    if (!SDK_SERVICES[sdk[1]]) return undefined; // sdk-unknown-service reports it
    return new Set([...possibleIntegrationErrorNames(sdk[1], false), ...extra]);
  }
  const optimized = /^arn:[\w-]+:states:::([a-z]+):([A-Za-z]+)$/.exec(arn);
  if (!optimized) return undefined;
  const service = { dynamodb: 'dynamodb', sns: 'sns', states: 'sfn', lambda: 'lambda' }[optimized[1]];
  if (service === undefined) return undefined;
  const names = new Set([...possibleIntegrationErrorNames(service, true), ...extra]);
  if (service === 'lambda' && optimized[2] === 'invoke') {
    for (const n of [...sources.lambdaTaskErrors, ...LAMBDA_RUNTIME_ERRORS]) names.add(n);
  }
  return names;
}

/** Every state of a Map's item processor or a Parallel's branches. */
function innerStates(state: AslState): AslState[] {
  const definitions = [state.ItemProcessor, state.Iterator, ...(Array.isArray(state.Branches) ? state.Branches : [])];
  return definitions.filter(isRecord).flatMap((d) => allStates(d).map((v) => v.state));
}

/** The names a state can fail with (besides `States.*`); undefined when some inner state is not known. */
function stateErrorNames(state: AslState, sources: ErrorSources): Set<string> | undefined {
  if (state.Type === 'Task') return taskErrorNames(state.Resource, sources);
  if (state.Type !== 'Map' && state.Type !== 'Parallel') return new Set();
  const names = new Set<string>();
  for (const inner of innerStates(state)) {
    if (inner.Type === 'Fail') {
      // A Fail state with ErrorPath re-raises a caught error: one the inner Tasks produce.
      if (typeof inner.Error === 'string') names.add(inner.Error);
      continue;
    }
    if (inner.Type !== 'Task') continue;
    const own = taskErrorNames(inner.Resource, sources);
    if (own === undefined) return undefined;
    for (const n of own) names.add(n);
  }
  return names;
}

/** Every `ErrorEquals` name of every Retry and Catch is one the state can produce. */
export function checkErrorNames(
  definition: unknown,
  options: CheckOptions,
  sources: ErrorSources = DEFAULT_SOURCES,
): Finding[] {
  const findings: Finding[] = [];
  for (const { state, path } of allStates(definition)) {
    const handlers = [
      ...(Array.isArray(state.Retry) ? state.Retry.map((r) => ['Retry', r] as const) : []),
      ...(Array.isArray(state.Catch) ? state.Catch.map((c) => ['Catch', c] as const) : []),
    ];
    if (handlers.length === 0) continue;
    const possible = stateErrorNames(state, sources);
    if (possible === undefined) continue;
    for (const [kind, handler] of handlers) {
      if (!isRecord(handler) || !Array.isArray(handler.ErrorEquals)) continue;
      for (const name of handler.ErrorEquals) {
        if (typeof name !== 'string' || STATES_ERRORS.has(name) || possible.has(name)) continue;
        const resource = state.Type === 'Task' ? String(state.Resource) : `the states inside this ${state.Type}`;
        findings.push({
          stateMachine: options.name,
          path,
          rule: 'error-name-unknown',
          message:
            `a ${kind} lists "${name}", which ${resource} never produces: AWS names an error after the service ` +
            "model's error shape, or the service's generic ServiceName.ServiceNameException when the model has none " +
            '(local/region/sdk-model.ts); a Lambda task fails only with LAMBDA_TASK_ERRORS and the Lambda service ' +
            "errors; States.* are Step Functions' own",
        });
      }
    }
  }
  return findings;
}
