import { sdkMaxAttempts, type TaskName } from '../../contracts/task-retries';

/**
 * Anything with the AWS SDK v3 client's `send(command)`: a real SDK client, a client wrapped by
 * aws-sdk-client-mock, or the offline engine's client that sends to the simulated region.
 */
export interface AwsClient {
  send(command: { readonly input: object }): Promise<unknown>;
}

/** The clients a Lambda task may be given, by name. A task's `makeHandler` asks only for the ones it uses. */
export interface Clients {
  readonly ec2: AwsClient;
  readonly elbv2: AwsClient;
  readonly ssm: AwsClient;
  readonly dynamodb: AwsClient;
  readonly cloudwatch: AwsClient;
  readonly sns: AwsClient;
  /** Plain HTTP GETs (`GetCommand` from ./http), e.g. a mirror-status page; not an AWS API. */
  readonly http: AwsClient;
}

/** The output type of an SDK v3 command, read from its middleware handler's type. */
export type OutputOf<C> = C extends {
  resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer O }>;
}
  ? O
  : never;

/**
 * Sends an SDK v3 command through any `AwsClient` and types the result as the command's output.
 * (`AwsClient.send` returns `unknown` so that the engine's client, which is not an SDK client, fits.)
 */
export async function send<C extends { readonly input: object }>(client: AwsClient, command: C): Promise<OutputOf<C>> {
  return (await client.send(command)) as OutputOf<C>;
}

/** The request member that asks for the page after the first, when there is one. */
export type PageRequest = { NextToken: string } | Record<string, never>;

/**
 * Every page of a paginated read, in order: `command(page)` builds the request of one page from `page` (nothing for
 * the first, then `{ NextToken }` of the page before), until a page comes back without `NextToken`.
 */
export async function sendAllPages<C extends { readonly input: object }>(
  client: AwsClient,
  command: (page: PageRequest) => C,
): Promise<OutputOf<C>[]> {
  const pages: OutputOf<C>[] = [];
  let nextToken: string | undefined;
  do {
    const page = await send(client, command(nextToken ? { NextToken: nextToken } : {}));
    pages.push(page);
    nextToken = (page as { NextToken?: string }).NextToken;
  } while (nextToken);
  return pages;
}

/**
 * The configuration a task's real SDK clients are built with (./sdk/<client>.ts, ./regional-clients.ts): its attempts
 * per call come from its declaration (contracts/task-retries.ts): one when the state machine re-runs the task, the
 * SDK's standard 3 when it does not. The offline engine's clients retry exactly as often (local/tasks-registry.ts).
 */
export interface SdkClientConfig {
  readonly maxAttempts: number;
}

/** The configuration of `task`'s real SDK clients. */
export function sdkClientConfig(task: TaskName): SdkClientConfig {
  return { maxAttempts: sdkMaxAttempts(task) };
}

/**
 * One factory per client a task uses, given the task's client configuration: e.g. `{ ec2 }` from ./sdk/ec2,
 * `{ http: () => new HttpClient() }`.
 */
export type ClientFactories<K extends keyof Clients> = { readonly [P in K]: (config: SdkClientConfig) => Clients[P] };

/**
 * Real clients for the deployed Lambda function of `task` (each built with `sdkClientConfig(task)`), from the factories of the clients it uses (so a task loads only
 * the SDK packages it needs: loading all six dominated every task's cold start). Each client is created on first
 * use, so importing a handler module constructs none: the offline engine and the tests import handlers and inject
 * their own clients.
 */
export function realClients<K extends keyof Clients>(task: TaskName, factories: ClientFactories<K>): Pick<Clients, K> {
  const config = sdkClientConfig(task);
  const created: Partial<Pick<Clients, K>> = {};
  const clients = {};
  for (const key of Object.keys(factories) as K[]) {
    Object.defineProperty(clients, key, {
      enumerable: true,
      get: () => (created[key] ??= factories[key](config)),
    });
  }
  return clients as Pick<Clients, K>;
}
