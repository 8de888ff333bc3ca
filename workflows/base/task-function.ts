import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TASK_METADATA_KEY } from '../../contracts/metadata';
import { acknowledge, LAMBDA_VPC_ACTIONS } from './acknowledgements';
import { prebundledTaskDir, TASK_BUNDLE_FILE, TASK_BUNDLING } from './task-bundle';

const TASKS_DIR = path.join(__dirname, '..', '..', 'tasks');
const LOCK_FILE = path.join(__dirname, '..', '..', 'package-lock.json');

export interface TaskFunctionProps {
  /** Folder under `tasks/`, e.g. `inspect-instance`. */
  readonly task: string;
  readonly description: string;
  /** What the function may do. */
  readonly policy: readonly iam.PolicyStatement[];
  readonly logRetention: logs.RetentionDays;
  readonly encryptionKey: kms.IKey;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /**
   * Runs the function in these subnets of a VPC, with these security groups. The role is granted the network
   * interface actions Lambda needs for that (the actions of AWSLambdaVPCAccessExecutionRole, without its logs
   * actions), on `*` as the Lambda developer guide requires.
   * @default - not in a VPC
   */
  readonly network?: {
    readonly vpc: ec2.IVpc;
    readonly subnets: ec2.SubnetSelection;
    readonly securityGroups: readonly ec2.ISecurityGroup[];
  };
}

/**
 * A Lambda task of a workflow: `tasks/<task>/handler.ts` bundled with esbuild (TASK_BUNDLING) for the latest Node.js
 * runtime on arm64 (prebundled in the installed package, bundled from source by NodejsFunction in this repository),
 * X-Ray tracing, JSON logs in a log group of its own (retention, KMS), and a role of its own with only the statements
 * passed in plus writing to that log group (no AWS managed policy). Step Functions invokes it synchronously, so it
 * acknowledges cdk-nag's missing dead-letter queue (which only asynchronous invocations use).
 */
export class TaskFunction extends Construct {
  /** The function: a plain `lambda.Function` from the package's prebundled asset, a NodejsFunction from source. */
  readonly fn: lambda.Function;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ha-workflows ${props.task} task`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const functionProps: FunctionPropsButCode = {
      role,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: props.timeout ?? Duration.seconds(60),
      description: props.description,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      logGroup,
      environment: { POWERTOOLS_SERVICE_NAME: `ha-workflows-${props.task}` },
      ...(props.network && {
        vpc: props.network.vpc,
        vpcSubnets: props.network.subnets,
        securityGroups: [...props.network.securityGroups],
      }),
    };
    this.fn = taskFunction(this, 'Function', props.task, functionProps);
    if (props.network) {
      // Source: docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html ("Execution role permissions"):
      // DescribeNetworkInterfaces only works on "*", and a DeleteNetworkInterface scoped to ids breaks VPC access.
      role.addToPolicy(new iam.PolicyStatement({ actions: [...LAMBDA_VPC_ACTIONS], resources: ['*'] }));
    }
    for (const statement of props.policy) role.addToPolicy(statement);
    (this.fn.node.defaultChild as lambda.CfnFunction).addMetadata(TASK_METADATA_KEY, props.task);
    acknowledge(this, {
      ids: ['Serverless-LambdaDLQ'],
      reason:
        'The task functions are invoked synchronously by Step Functions (lambda:invoke), where a failure returns to the ' +
        'state machine and reaches its Retry and Catch; a dead-letter queue only applies to asynchronous invocations.',
    });
  }
}

type FunctionPropsButCode = Omit<lambda.FunctionProps, 'code' | 'handler'>;

/**
 * The task's function under `id`, the same resource either way (logical id, handler `index.handler`, every property
 * but the code's asset hash): from the prebundled asset when the package was compiled (scripts/compile.ts), else
 * bundled from `tasks/<task>/handler.ts` by NodejsFunction, which needs esbuild and this repository's lock file.
 */
function taskFunction(scope: Construct, id: string, task: string, props: FunctionPropsButCode): lambda.Function {
  const asset = prebundledTaskDir(task);
  const handler = `${path.basename(TASK_BUNDLE_FILE, '.js')}.handler`;
  if (existsSync(path.join(asset, TASK_BUNDLE_FILE))) {
    return new lambda.Function(scope, id, { ...props, code: lambda.Code.fromAsset(asset), handler });
  }
  const entry = path.join(TASKS_DIR, task, 'handler.ts');
  if (!existsSync(entry) || !existsSync(LOCK_FILE)) {
    throw new Error(
      `TaskFunction ${task}: neither the prebundled asset ${path.join(asset, TASK_BUNDLE_FILE)} (a compiled ` +
        `package: npm run compile) nor the source ${entry} with the lock file ${LOCK_FILE} (this repository) exists`,
    );
  }
  return new nodejs.NodejsFunction(scope, id, {
    ...props,
    entry,
    handler,
    depsLockFilePath: LOCK_FILE,
    projectRoot: path.join(__dirname, '..', '..'),
    bundling: {
      minify: TASK_BUNDLING.minify,
      sourceMap: TASK_BUNDLING.sourceMap,
      target: TASK_BUNDLING.target,
      format: nodejs.OutputFormat.CJS,
      externalModules: [...TASK_BUNDLING.externalModules],
    },
  });
}
