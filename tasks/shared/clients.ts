import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { HttpClient } from './http';

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
 * Real SDK v3 clients for the deployed Lambda function (region and credentials from the Lambda environment).
 * Each client is created on first use, so importing a handler module constructs none: the offline engine and
 * the tests import handlers and inject their own clients.
 */
export function realClients(): Clients {
  const factories: { readonly [K in keyof Clients]: () => Clients[K] } = {
    ec2: () => new EC2Client({}),
    elbv2: () => new ElasticLoadBalancingV2Client({}),
    ssm: () => new SSMClient({}),
    dynamodb: () => new DynamoDBClient({}),
    cloudwatch: () => new CloudWatchClient({}),
    sns: () => new SNSClient({}),
    http: () => new HttpClient(),
  };
  const created: { -readonly [K in keyof Clients]?: Clients[K] } = {};
  const clients = {};
  for (const key of Object.keys(factories) as (keyof Clients)[]) {
    Object.defineProperty(clients, key, {
      enumerable: true,
      get: () => (created[key] ??= factories[key]()),
    });
  }
  return clients as Clients;
}
