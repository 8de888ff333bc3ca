import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';

/** Where the CLI's AWS calls go: the standard chain (env, profile, SSO, IMDS), or a local endpoint. */
export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
  /** e.g. http://127.0.0.1:8083 for `ha-workflows local serve`. */
  readonly endpoint?: string;
}

const isLoopback = (url: string) => /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(url);

/** Client settings from the options and the standard AWS chain; a local endpoint needs no real credentials. */
function clientConfig(opts: AwsOptions) {
  const local = opts.endpoint !== undefined && isLoopback(opts.endpoint);
  const hasEnvCredentials = !!process.env.AWS_ACCESS_KEY_ID;
  return {
    ...(opts.region ? { region: opts.region } : local && !process.env.AWS_REGION ? { region: 'us-east-1' } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(local && !hasEnvCredentials && !opts.profile
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 3,
  };
}

export function sfnClient(opts: AwsOptions): SFNClient {
  return new SFNClient(clientConfig(opts));
}

export function cloudFormationClient(opts: AwsOptions): CloudFormationClient {
  return new CloudFormationClient(clientConfig(opts));
}

/** One sentence for what went wrong talking to AWS, instead of a stack trace. */
export function explainAwsError(e: unknown): string {
  const err = e as { name?: string; message?: string; code?: string };
  const message = err.message ?? String(e);
  if (/Region is missing/i.test(message)) {
    return 'No AWS Region is configured: pass --region, set AWS_REGION, or use a profile that has a region.';
  }
  if (err.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return 'No AWS credentials were found: set AWS_PROFILE (or pass --profile), run `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';
  }
  if (err.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return `Nothing answers at the endpoint (${message}); is \`ha-workflows local serve\` running?`;
  }
  return `${err.name ?? 'Error'}: ${message}`;
}
