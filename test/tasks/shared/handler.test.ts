import { z } from 'zod';
import { TaskErrorNames } from '../../../contracts/errors';
import { taskHandler } from '../../../tasks/shared/handler';
import { failure, silentLogger } from '../../harness/task-mocks';

describe('taskHandler', () => {
  const inputSchema = z.object({ instanceId: z.string().min(1), count: z.number().int().default(1) });
  /** A task whose logic doubles the count with the help of its "client", and records what it logged. */
  const made = () => {
    const logged: unknown[][] = [];
    const calls: unknown[] = [];
    const makeHandler = taskHandler(
      'example-task',
      inputSchema,
      async (deps: { factor: number }, input) => {
        calls.push(input);
        return { instanceId: input.instanceId, total: input.count * deps.factor };
      },
      (logger, input, output) => {
        logged.push([input.instanceId, output.total]);
        logger.info('Doubled', { total: output.total });
      },
    );
    return { handler: makeHandler({ factor: 2 }, silentLogger('example-task')), logged, calls };
  };

  it("runs the logic over the handler's clients with the parsed input (defaults applied) and returns its output", async () => {
    // GIVEN a handler made over a client that doubles
    const { handler, calls, logged } = made();
    // WHEN it is invoked with an event that omits a defaulted field
    const output = await handler({ instanceId: 'i-1' });
    // THEN the logic saw the parsed input, the log step saw input and output, and the output is the logic's
    expect(calls).toEqual([{ instanceId: 'i-1', count: 1 }]);
    expect(logged).toEqual([['i-1', 2]]);
    expect(output).toEqual({ instanceId: 'i-1', total: 2 });
  });

  it('fails with InvalidTaskInput naming the task and the field, before the logic runs', async () => {
    // GIVEN a handler
    const { handler, calls, logged } = made();
    // WHEN the event lacks a required field
    const error = await failure(handler({ count: 3 }));
    // THEN it fails at the edge: nothing ran, nothing was logged
    expect(error).toMatchObject({ name: TaskErrorNames.InvalidTaskInput });
    expect(error.message).toContain('example-task');
    expect(error.message).toContain('$.instanceId');
    expect(calls).toEqual([]);
    expect(logged).toEqual([]);
  });

  it("rejects with the logic's own error, unchanged, and logs nothing", async () => {
    // GIVEN a task whose logic fails
    const logged: unknown[] = [];
    const boom = new Error('EC2 said no');
    const handler = taskHandler(
      'failing-task',
      inputSchema,
      async () => Promise.reject(boom),
      (_logger, input) => logged.push(input),
    )({}, silentLogger('failing-task'));
    // WHEN it runs / THEN the handler rejects with that error
    expect(await failure(handler({ instanceId: 'i-1' }))).toBe(boom);
    expect(logged).toEqual([]);
  });
});
