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

/**
 * Attempts of every SDK call a Lambda task makes (the SDK v3 default, standard retry mode), in one place: the real
 * clients are built with it (./sdk/*), and the offline engine's client retries exactly as often
 * (local/engine/clients.ts). The state machine's own Retry on a Lambda task comes on top of these attempts.
 */
export const SDK_MAX_ATTEMPTS = 3;

/** The configuration every real SDK client of a task is built with (./sdk/<client>.ts). */
export const SDK_CLIENT_CONFIG = { maxAttempts: SDK_MAX_ATTEMPTS } as const;

/** One factory per client a task uses: e.g. `{ ec2 }` from ./sdk/ec2, `{ http: () => new HttpClient() }`. */
export type ClientFactories<K extends keyof Clients> = { readonly [P in K]: () => Clients[P] };

/**
 * Real clients for the deployed Lambda function, from the factories of the clients it uses (so a task loads only
 * the SDK packages it needs: loading all six dominated every task's cold start). Each client is created on first
 * use, so importing a handler module constructs none: the offline engine and the tests import handlers and inject
 * their own clients.
 */
export function realClients<K extends keyof Clients>(factories: ClientFactories<K>): Pick<Clients, K> {
  const created: Partial<Pick<Clients, K>> = {};
  const clients = {};
  for (const key of Object.keys(factories) as K[]) {
    Object.defineProperty(clients, key, {
      enumerable: true,
      get: () => (created[key] ??= factories[key]()),
    });
  }
  return clients as Pick<Clients, K>;
}
