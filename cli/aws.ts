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

/** The Region an ARN names (`arn:aws:states:eu-central-1:…` → `eu-central-1`), if it names one. */
export function regionOfArn(arn: string | undefined): string | undefined {
  const region = arn?.startsWith('arn:') ? arn.split(':')[3] : undefined;
  return region ? region : undefined;
}

/**
 * Client settings from the options and the standard AWS chain; a local endpoint needs no real credentials. The
 * Region: `--region`, else the Region of the ARN the command acts on (an execution lives in its ARN's Region), else
 * the standard chain (AWS_REGION, the profile).
 */
function clientConfig(opts: AwsOptions, arn?: string) {
  const local = opts.endpoint !== undefined && isLoopback(opts.endpoint);
  const hasEnvCredentials = !!process.env.AWS_ACCESS_KEY_ID;
  const region = opts.region ?? regionOfArn(arn);
  return {
    ...(region ? { region } : local && !process.env.AWS_REGION ? { region: 'us-east-1' } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(local && !hasEnvCredentials && !opts.profile
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 3,
  };
}

/** A Step Functions client; `arn` (an execution or state machine) gives the Region when no --region is given. */
export function sfnClient(opts: AwsOptions, arn?: string): SFNClient {
  return new SFNClient(clientConfig(opts, arn));
}

export function cloudFormationClient(opts: AwsOptions, arn?: string): CloudFormationClient {
  return new CloudFormationClient(clientConfig(opts, arn));
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
