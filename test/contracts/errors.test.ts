import { sdkV3ErrorName } from '../../local/region/sdk-model';
import { Aws, CALLBACK_ERRORS, Errors, LAMBDA_TASK_ERRORS, TaskErrorNames } from '../../contracts/errors';
import { InvalidTaskInput, NoCapacityInAnyZone, SnapshotCopyLimitReached } from '../../tasks/shared/errors';

/** The 5xx codes each service's API reference lists under "Common errors" (and the models' server-fault shapes). */
const SERVER_CODES: readonly (readonly [string, string])[] = [
  ['ec2', 'InternalError'],
  ['ec2', 'Unavailable'],
  ['elasticloadbalancingv2', 'InternalFailure'],
  ['elasticloadbalancingv2', 'ServiceUnavailable'],
  ['ssm', 'InternalServerError'],
  ['dynamodb', 'InternalServerError'],
  ['cloudwatch', 'InternalServiceError'],
  ['sns', 'InternalError'],
];

describe('Aws.SDK_SERVER_ERRORS', () => {
  it('is exactly the names the SDK v3 clients give the services’ 5xx codes (from the installed models)', () => {
    // GIVEN each service's server-error codes / WHEN named as the SDK names them
    const names = new Set(SERVER_CODES.map(([service, code]) => sdkV3ErrorName(service, code)));
    // THEN the list a Lambda task's Retry uses is that set, and a Lambda task may name each one
    expect([...Aws.SDK_SERVER_ERRORS].sort()).toEqual([...names].sort());
    for (const name of names) expect(LAMBDA_TASK_ERRORS).toContain(name);
  });
});

describe('the error names (contracts/errors.ts, their one home)', () => {
  it('names each task error by its own key, so the constant and the errorType Step Functions sees agree', () => {
    // GIVEN the names the tasks throw / THEN each is its key, a PascalCase word (no service prefix, no dot)
    for (const [key, name] of Object.entries(TaskErrorNames)) {
      expect(name).toBe(key);
      expect(name).toMatch(/^[A-Z][A-Za-z]+$/);
    }
  });

  it('gives every error a workflow raises its own name, none of them shaped like an AWS or Step Functions name', () => {
    // GIVEN the names an execution may fail with
    const names = Object.values(Errors);
    // THEN no two constants share a name, and none can be mistaken for `Service.Error` or `States.*`
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Z][A-Za-z]+$/);
  });

  it('fails a workflow with the very name the task threw where the two meet', () => {
    // GIVEN a workflow error that repeats a task's error / THEN it is the task's name (one definition, not two)
    const taskNames = new Set<string>(Object.values(TaskErrorNames));
    const shared = Object.values(Errors).filter((name) => taskNames.has(name));
    expect(shared.sort()).toEqual(
      [
        TaskErrorNames.ApprovalRejected,
        TaskErrorNames.NoCandidateSubnet,
        TaskErrorNames.NoCapacityInAnyZone,
        TaskErrorNames.NothingToSnapshot,
        TaskErrorNames.ReplacementNotLaunchable,
        TaskErrorNames.SnapshotCopyLimitReached,
      ].sort(),
    );
  });

  it('lets a Lambda task Retry/Catch name every error a task throws, and what `reject` sends only on callbacks', () => {
    for (const name of Object.values(TaskErrorNames)) expect(LAMBDA_TASK_ERRORS).toContain(name);
    expect(CALLBACK_ERRORS).toEqual([Errors.REJECTED]);
  });

  it('names the thrown error classes by the contract', () => {
    // GIVEN errors the tasks throw / THEN their `name` (the Lambda errorType) is the contract's
    expect(new InvalidTaskInput('t', []).name).toBe(TaskErrorNames.InvalidTaskInput);
    expect(new NoCapacityInAnyZone('x').name).toBe(Errors.NO_CAPACITY_IN_ANY_ZONE);
    expect(new SnapshotCopyLimitReached('x').name).toBe(Errors.SNAPSHOT_COPY_LIMIT_REACHED);
  });
});
