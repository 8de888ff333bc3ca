import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { StateMachine } from 'aws-local-stepfunctions';
import { resolveStateMachines } from '../../local/template';

const ENV = { account: '123456789012', region: 'eu-west-1' };

/** A rendered state (or any ASL object), read by its field names. */
export type AslState = Record<string, unknown>;
export interface RenderedChain {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
}

/** Builds a chain (a fragment under test) into a throwaway stack's state machine; returns its resolved ASL. */
export function renderChain(build: (scope: Construct) => sfn.IChainable): RenderedChain {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(build(stack)),
    timeout: Duration.hours(1),
  });
  const [machine] = resolveStateMachines(Template.fromStack(stack).toJSON(), { ...ENV, partition: 'aws' });
  return machine.definition as unknown as RenderedChain;
}

/** An error a task handler throws: Step Functions matches Retry and Catch on its name. */
export function taskError(name: string, message = `${name} (test)`): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export interface ChainRun {
  /** How it ended: 'succeeded' with its output, or 'failed' with the error and cause it failed with. */
  readonly status: 'succeeded' | 'failed';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** The Task states it ran (by name), each attempt once, with the input each attempt got. */
  readonly calls: { state: string; input: unknown }[];
}

/**
 * Runs a rendered chain offline (aws-local-stepfunctions): each Task state named in `handlers` is answered by it (a
 * thrown error fails the attempt with the error's name); waits and retry intervals take no time.
 */
export async function runChain(
  definition: RenderedChain,
  input: unknown,
  handlers: Record<string, (input: unknown) => unknown>,
  /** The Context object's members beyond the library's own (e.g. `State.EnteredTime`, which the engine adds). */
  context?: Record<string, unknown>,
): Promise<ChainRun> {
  const calls: { state: string; input: unknown }[] = [];
  const zero = (states: Record<string, AslState>) => Object.fromEntries(Object.keys(states).map((name) => [name, 0]));
  const machine = new StateMachine(structuredClone(definition) as never);
  const execution = machine.run(input as never, {
    ...(context ? { context } : {}),
    overrides: {
      waitTimeOverrides: zero(definition.States),
      retryIntervalOverrides: zero(definition.States),
      taskResourceLocalHandlers: Object.fromEntries(
        Object.entries(handlers).map(([state, answer]) => [
          state,
          async (taskInput: unknown) => {
            calls.push({ state, input: taskInput });
            return answer(taskInput) as never;
          },
        ]),
      ),
    },
  });
  return execution.result.then(
    (output: unknown) => ({ status: 'succeeded' as const, output, calls }),
    // aws-local-stepfunctions rejects with an ExecutionError whose `cause` is the error the execution failed with.
    (error: { cause?: { name?: string; message?: string } }) => ({
      status: 'failed' as const,
      error: error.cause?.name,
      cause: error.cause?.message,
      calls,
    }),
  );
}
