/**
 * The Lambda context: the engine calls every task handler with a context object of Lambda's shape (Lambda Developer
 * Guide, "Using the Lambda context object to retrieve Node.js function information"), and a task's log lines carry its
 * request id and cold-start flag (Powertools logger `addContext`, through `withLambdaContext`).
 */
import { type LambdaHandler } from '../../../local/engine/runner';
import { StepFunctionsSimulator } from '../../../local/engine/stepfunctions';
import { SimulatedRegion } from '../../../local/region/region';
import { type LambdaContext, taskLogger, withLambdaContext } from '../../../tasks/shared/logger';

const ACCOUNT = '123456789012';
const MACHINE = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:twice`;
const invoke = (next?: string) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: 'probe', Payload: {} },
  TimeoutSeconds: 10,
  ResultPath: null,
  ...(next ? { Next: next } : { End: true }),
});
const twice = { StartAt: 'First', TimeoutSeconds: 60, States: { First: invoke('Second'), Second: invoke() } };

describe('the Lambda context the engine passes', () => {
  it('is a context of Lambda shape, with a new request id for every invocation', async () => {
    // GIVEN a function that keeps the contexts it is called with
    const contexts: LambdaContext[] = [];
    const probe: LambdaHandler = Object.assign(
      async (_event: unknown, context?: LambdaContext) => {
        contexts.push(context!);
        return {};
      },
      { timeoutSeconds: 10 },
    );
    const region = new SimulatedRegion({ seed: 5, accountId: ACCOUNT });
    const sfn = new StepFunctionsSimulator(region, { broker: 'live', lambdas: new Map([['probe', probe]]) });
    sfn.addMachine(MACHINE, twice);
    region.register(sfn);
    // WHEN an execution invokes it twice
    await sfn.start(MACHINE, '{}', 'run-1').done;
    // THEN each call had a context with the function's name, ARN, version, a remaining time and its own request id
    expect(contexts).toHaveLength(2);
    for (const c of contexts) {
      expect(c).toMatchObject({
        functionName: 'probe',
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:probe`,
        logGroupName: '/aws/lambda/probe',
        awsRequestId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      });
      expect(c.getRemainingTimeInMillis()).toBeGreaterThan(0);
      expect(c.getRemainingTimeInMillis()).toBeLessThanOrEqual(10_000);
    }
    expect(contexts[0].awsRequestId).not.toBe(contexts[1].awsRequestId);
  });
});

describe('withLambdaContext', () => {
  const context = (awsRequestId: string): LambdaContext => ({
    functionName: 'ha-workflows-probe',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:ha-workflows-probe`,
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: '/aws/lambda/ha-workflows-probe',
    logStreamName: '2026/12/03/[$LATEST]0123',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 1000,
  });

  it('puts the request id and the cold-start flag on every log line of the invocation', async () => {
    // GIVEN a task handler wrapped with its logger
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // (Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE=on-demand in an on-demand environment; Powertools reports a cold
    // start only there, not under provisioned concurrency.)
    const initialization = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    try {
      const logger = taskLogger('probe', { logLevel: 'INFO' });
      const handler = withLambdaContext(logger, async () => {
        logger.info('probed');
        return 'ok';
      });
      // WHEN Lambda calls it twice (a cold start, then a warm one)
      await handler({}, context('req-1'));
      await handler({}, context('req-2'));
    } finally {
      write.mockRestore();
      if (initialization === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
      else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = initialization;
    }
    // THEN each line names its request and whether it was the cold start
    const logged = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"probed"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toEqual([
      expect.objectContaining({ task: 'probe', function_request_id: 'req-1', cold_start: true }),
      expect.objectContaining({ task: 'probe', function_request_id: 'req-2', cold_start: false }),
    ]);
  });
});
