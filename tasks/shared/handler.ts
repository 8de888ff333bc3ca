import type { Logger } from '@aws-lambda-powertools/logger';
import type { z } from 'zod';
import { parseTaskInput } from './errors';
import { type TaskHandler, taskLogger, withLambdaContext } from './logger';

/** A task's `makeHandler`: its handler over the given clients, logging with `logger` (default: the task's own). */
export type MakeHandler<D, O> = (deps: D, logger?: Logger) => TaskHandler<O>;

/**
 * The `makeHandler` of a task that is one call of its logic: each invocation parses the event with the task's input
 * schema (at the edge: `parseTaskInput`, which throws `InvalidTaskInput`), runs `logic` over the clients the handler
 * was made with (`deps`: the engine passes simulated ones, the deployed handler real ones), has `log` write what it
 * did, and returns the logic's output.
 */
export function taskHandler<S extends z.ZodType, D, O>(
  task: string,
  inputSchema: S,
  logic: (deps: D, input: z.output<S>) => Promise<O>,
  log: (logger: Logger, input: z.output<S>, output: O) => void,
): MakeHandler<D, O> {
  return (deps, logger = taskLogger(task)) =>
    withLambdaContext(logger, async (event: unknown): Promise<O> => {
      const input = parseTaskInput(task, inputSchema, event);
      const output = await logic(deps, input);
      log(logger, input, output);
      return output;
    });
}
