/**
 * CloudWatch embedded metric format (EMF): a JSON object written as one line to standard output, which Lambda sends to
 * the function's log group and CloudWatch Logs turns into metrics ("Specification: Embedded metric format", Amazon
 * CloudWatch User Guide; "Using the embedded metric format with Lambda": write it to STDOUT — with the JSON log format,
 * the runtime's console methods would wrap it in a log record of its own, so it is written to the stream directly).
 */

/** A metric of a directive: its name is a member of the document holding a number. */
export interface EmfMetricDefinition {
  readonly Name: string;
  readonly Unit?: string;
  readonly StorageResolution?: 1 | 60;
}

export interface EmfMetricDirective {
  readonly Namespace: string;
  /** Dimension sets: each lists members of the document holding strings. */
  readonly Dimensions: readonly (readonly string[])[];
  readonly Metrics: readonly EmfMetricDefinition[];
}

/** An EMF document: `_aws` plus the members the directives name (and any other members, kept as log fields). */
export interface EmfDocument {
  readonly _aws: { readonly Timestamp: number; readonly CloudWatchMetrics: readonly EmfMetricDirective[] };
  readonly [member: string]: unknown;
}

/** Where a task's EMF documents go: standard output when deployed, the simulated CloudWatch offline. */
export interface MetricsSink {
  put(document: EmfDocument): Promise<void>;
}

/** The deployed sink: one line on standard output per document. */
export const stdoutMetrics: MetricsSink = {
  put: (document) =>
    new Promise<void>((resolve, reject) => {
      process.stdout.write(`${JSON.stringify(document)}\n`, (error) => (error ? reject(error) : resolve()));
    }),
};
