import { AwsApiError, type ServiceName } from '../region/errors';
import type { SimulatedRegion } from '../region/region';

/** Anything with the SDK v3 client's `send(command)`: what a Lambda task's logic is given. */
export interface CommandLike {
  readonly input: object;
}

/**
 * An AWS SDK v3 client look-alike that sends every command to the simulated region: the command's class
 * name gives the action (`DescribeInstancesCommand` → `DescribeInstances`), its `input` the request.
 * Errors are thrown the way the SDK throws them: `name` = the API's error code, `$fault`, `$metadata`.
 */
export class LocalClient {
  constructor(
    private readonly region: SimulatedRegion,
    readonly service: ServiceName,
  ) {}

  async send(command: CommandLike): Promise<unknown> {
    const action = command.constructor.name.replace(/Command$/, '');
    try {
      const output = (await this.region.call(service(this), action, { ...command.input })) as object;
      return { ...output, $metadata: { httpStatusCode: 200, requestId: this.region.nextRequestId(), attempts: 1 } };
    } catch (e) {
      if (e instanceof AwsApiError) {
        Object.assign(e, {
          $fault: e.fault,
          $metadata: { httpStatusCode: e.statusCode, requestId: this.region.nextRequestId(), attempts: 1 },
        });
      }
      throw e;
    }
  }
}

const service = (c: LocalClient): ServiceName => c.service;

/** The clients a Lambda task gets in the engine, by the names the tasks' `makeHandler(clients)` expect. */
export function localClients(region: SimulatedRegion) {
  return {
    ec2: new LocalClient(region, 'ec2'),
    elbv2: new LocalClient(region, 'elasticloadbalancingv2'),
    ssm: new LocalClient(region, 'ssm'),
    dynamodb: new LocalClient(region, 'dynamodb'),
    cloudwatch: new LocalClient(region, 'cloudwatch'),
    sns: new LocalClient(region, 'sns'),
    http: new LocalClient(region, 'http'),
  };
}

export type LocalClients = ReturnType<typeof localClients>;
