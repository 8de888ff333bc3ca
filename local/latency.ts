/**
 * Default modeled latencies, in seconds. Each value is the median of docs/latency-model.md, which gives the
 * source of every figure (AWS documentation, public measurements, or the reasoning where none exists) and a
 * range for sensitivity runs. A scenario overrides any key with `latency: { "<key>": seconds }`.
 */
export const DEFAULT_LATENCY = {
  // Step Functions and Lambda (latency-model §6)
  /** StartExecution → first state starts (Standard). */
  'sfn.startExecution': 0.14,
  /** A Step Functions API call (StartExecution, DescribeExecution, SendTaskSuccess, …) as a client sees it. */
  'sfn.api': 0.05,
  /** A Pass / Choice / Wait(0) / Succeed / Fail transition. */
  'sfn.transition': 0.03,
  /** What an SDK-integration Task adds on top of the API's own latency. */
  'sfn.sdkTaskOverhead': 0.1,
  /** A warm Lambda invoked as a Task (round trip, excluding the AWS calls the handler makes). */
  'lambda.invoke': 0.1,
  /** Extra on the first invocation of each function in a drill (init + SDK client set-up). */
  'lambda.coldStart': 0.35,
  /** An event (an execution's status change) reaching its rule's target (EventBridge PutEvents → target, §6). */
  'events.delivery': 0.15,

  // EC2 API calls and instance lifecycle (§1)
  /** Any EC2 Describe, Modify or CreateTags call without its own entry. */
  'ec2.api': 0.3,
  'ec2.RunInstances': 1.5,
  /** A new instance ID is not yet visible to Describe* (InvalidInstanceID.NotFound) for this long. */
  'ec2.eventualConsistency': 1,
  'ec2.pendingToRunning': 8,
  /** running → OS booted → SSM agent Online (SendCommand accepted). */
  'ec2.runningToSsmOnline': 27,
  'ec2.shuttingDownToTerminated': 60,
  'ec2.stoppingToStopped': 45,
  'ec2.startToRunning': 10,

  // EBS snapshots (§3)
  'ebs.CreateSnapshots': 1,
  /** pending → completed for an incremental snapshot with a small delta. */
  'ebs.snapshotCompletion': 180,
  /** Cross-region CopySnapshot of a small incremental snapshot. */
  'ebs.copySnapshotCompletion': 600,

  // Elastic Load Balancing v2 (§2). Health-check timing (interval × thresholds) and the deregistration delay are
  // each target group's own settings (local/region/elbv2.ts), with AWS's defaults.
  'elb.api': 0.2,
  /**
   * An NLB registers a new target before its health checks start (`initial`, `Elb.RegistrationInProgress`):
   * ≈120 s before the first check (latency-model §2; AWS Support: registration plus threshold × interval, e.g.
   * ≥ 270 s with the default 5 × 30 s checks). Range 60–300 s.
   */
  'elb.nlbRegistration': 120,

  // SSM Run Command (§4)
  'ssm.SendCommand': 0.2,
  /** The invocation is not visible to GetCommandInvocation (InvocationDoesNotExist) for this long. */
  'ssm.invocationVisible': 1,
  'ssm.GetCommandInvocation': 0.2,
  /** A short command's run time on the instance, dispatch to Success. */
  'ssm.commandRun': 3,

  // DynamoDB, SNS, CloudWatch (§5, §7)
  'dynamodb.api': 0.005,
  'sns.Publish': 0.03,
  'cloudwatch.api': 0.05,

  // HTTP probe of a mirror-status page, same VPC
  'http.probe': 0.02,
} as const;

export type LatencyKey = keyof typeof DEFAULT_LATENCY;
export type LatencyModel = Record<LatencyKey, number>;

export function latencyModel(overrides: Partial<Record<string, number>> = {}): LatencyModel {
  const unknown = Object.keys(overrides).filter((k) => !(k in DEFAULT_LATENCY));
  if (unknown.length > 0) {
    throw new RangeError(
      `unknown latency key(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; known keys: ${Object.keys(DEFAULT_LATENCY).join(', ')}`,
    );
  }
  return { ...DEFAULT_LATENCY, ...overrides } as LatencyModel;
}
