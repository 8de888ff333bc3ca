import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsApiError } from './region/errors';
import type { SimulatedRegion } from './region/region';

/** The operations the local endpoint serves (Step Functions JSON protocol, `X-Amz-Target: AWSStepFunctions.<Op>`). */
export const SERVED_OPERATIONS = [
  'ListStateMachines',
  'DescribeStateMachine',
  'StartExecution',
  'DescribeExecution',
  'ListExecutions',
  'GetExecutionHistory',
  'SendTaskSuccess',
  'SendTaskFailure',
  'SendTaskHeartbeat',
  'StopExecution',
  'RedriveExecution',
] as const;

const MAX_BODY = 1024 * 1024;

export interface LocalEndpoint {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

/** An AWS JSON-protocol error: the SDK reads the error name from `__type` (the part after `#`). */
function sendError(res: ServerResponse, status: number, code: string, message: string, requestId: string): void {
  send(res, status, { __type: `com.amazonaws.swf.service.v2.model#${code}`, message }, requestId);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new AwsApiError('sfn', 'SerializationException', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A local Step Functions endpoint on 127.0.0.1 speaking the service's JSON 1.0 protocol, over the engine's
 * simulated Step Functions service: point `@aws-sdk/client-sfn` (or the AWS CLI with `--endpoint-url`) at
 * it. Errors come back as the service returns them, so the SDK throws its typed exceptions.
 */
export async function serveStepFunctions(region: SimulatedRegion, port = 8083): Promise<LocalEndpoint> {
  const server = createServer((req, res) => {
    const requestId = region.random.uuid();
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, operation] = target.split('.');
      if (req.method !== 'POST' || prefix !== 'AWSStepFunctions') {
        sendError(
          res,
          400,
          'UnknownOperationException',
          `Expected POST with X-Amz-Target: AWSStepFunctions.<Operation>`,
          requestId,
        );
        return;
      }
      if (!(SERVED_OPERATIONS as readonly string[]).includes(operation)) {
        sendError(
          res,
          400,
          'UnknownOperationException',
          `The local endpoint does not serve ${operation}; it serves ${SERVED_OPERATIONS.join(', ')}`,
          requestId,
        );
        return;
      }
      let input: Record<string, unknown>;
      try {
        const text = await readBody(req);
        input = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      } catch (e) {
        sendError(res, 400, 'SerializationException', (e as Error).message, requestId);
        return;
      }
      try {
        send(res, 200, await region.call('sfn', operation, input), requestId);
      } catch (e) {
        if (e instanceof AwsApiError) sendError(res, e.statusCode, e.code, e.message, requestId);
        else sendError(res, 500, 'InternalFailure', (e as Error).message, requestId);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold close() open.
        server.closeAllConnections();
      }),
  };
}
