import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { States } from '../../contracts/errors';

/**
 * Makes `task` go on to `next` whether it succeeds or fails: any error it ends with (after its retries) is kept at
 * `errorPath` and the path goes on as if it had succeeded. For a step whose failure must not change where the
 * execution goes: a notification before the end, an audit item or a record before a notification (better a
 * notification without its record than none). `States.Runtime` is never caught (Step Functions' own rule), so a
 * missing path still fails the execution. Returns `task`.
 */
export function continueEitherWay<T extends sfn.TaskStateBase | sfn.CustomState>(
  task: T,
  next: sfn.IChainable,
  errorPath: string,
): T {
  task.addCatch(next, { errors: [States.ALL], resultPath: errorPath });
  task.next(next);
  return task;
}
