/**
 * The rules CloudWatch Logs applies to an embedded metric format (EMF) document before it extracts metrics from it
 * ("Specification: Embedded metric format", Amazon CloudWatch User Guide,
 * docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * - the root is a JSON object with `_aws`, whose `Timestamp` (a number, milliseconds since the epoch) and
 *   `CloudWatchMetrics` (an array of MetricDirective) are required;
 * - a MetricDirective has `Namespace` (a string), `Dimensions` (an array of DimensionSet, each an array of at most
 *   30 dimension keys) and `Metrics` (at most 100 MetricDefinition);
 * - a dimension key names a root member holding a string; a MetricDefinition's `Name` names a root member holding a
 *   number or an array of at most 100 numbers; `Unit` is one of CloudWatch's units, `StorageResolution` 1 or 60;
 * - a document is at most 256 KB (the CloudWatch Logs event limit the specification names).
 * Dimension values and namespaces follow PutMetricData's rules (CloudWatch API Reference, Dimension: 1-1024 ASCII
 * characters, one not white space, no control characters; a namespace does not start with `AWS/`), and a timestamp
 * more than two weeks in the past or two hours in the future is refused as PutMetricData refuses it.
 * In AWS a document that breaks a rule is logged but gives no metric (it counts in AWS/Logs EMFValidationErrors):
 * silently. The engine refuses it loudly instead (`EmfValidationError`), so a drill shows the loss.
 */

export class EmfValidationError extends Error {
  override readonly name = 'EmfValidationError';
}

/** One metric value extracted from a document. */
export interface ExtractedMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: { Name: string; Value: string }[];
  readonly value?: number;
  readonly values?: number[];
  readonly unit?: string;
  readonly timestamp: string;
}

/** CloudWatch's units (CloudWatch API Reference, MetricDatum `Unit`). */
export const CLOUDWATCH_UNITS: ReadonlySet<string> = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

const MAX_DOCUMENT_BYTES = 256 * 1024;
const MAX_DIMENSION_KEYS = 30;
const MAX_METRICS = 100;
const MAX_VALUES = 100;
const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;
const TWO_HOURS_MS = 2 * 3600 * 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const dimensionValueOk = (v: string) => v.length >= 1 && v.length <= 1024 && /^[\x20-\x7e]*$/.test(v) && /\S/.test(v);

/** The metrics CloudWatch Logs would extract from `document` at `nowMs`; throws EmfValidationError for a broken one. */
export function extractEmbeddedMetrics(document: unknown, nowMs: number): ExtractedMetric[] {
  const fail = (what: string): never => {
    throw new EmfValidationError(`EMF document refused (no metric would be extracted): ${what}`);
  };
  if (!isObject(document)) return fail('the root is not a JSON object');
  const bytes = Buffer.byteLength(JSON.stringify(document), 'utf8');
  if (bytes > MAX_DOCUMENT_BYTES) fail(`${bytes} bytes; at most ${MAX_DOCUMENT_BYTES}`);
  const meta = document._aws;
  if (!isObject(meta)) return fail('_aws: missing; an object with Timestamp and CloudWatchMetrics');
  const ts = meta.Timestamp;
  if (typeof ts !== 'number' || !Number.isFinite(ts))
    return fail(`_aws.Timestamp: got ${JSON.stringify(ts)}; a number (ms since the epoch)`);
  if (ts < nowMs - TWO_WEEKS_MS || ts > nowMs + TWO_HOURS_MS) {
    fail(`_aws.Timestamp: ${new Date(ts).toISOString()} is more than two weeks before or two hours after now`);
  }
  if (!Array.isArray(meta.CloudWatchMetrics)) return fail('_aws.CloudWatchMetrics: missing; an array of directives');
  const timestamp = new Date(ts).toISOString();
  return meta.CloudWatchMetrics.flatMap((directive: unknown, d) => {
    const at = `_aws.CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) return fail(`${at}: not an object`);
    const ns = directive.Namespace;
    if (typeof ns !== 'string' || ns.length < 1 || ns.length > 255 || ns.startsWith('AWS/') || ns.startsWith(':')) {
      return fail(`${at}.Namespace: got ${JSON.stringify(ns)}; 1-255 characters, not starting with "AWS/" or ":"`);
    }
    if (!Array.isArray(directive.Dimensions)) return fail(`${at}.Dimensions: missing; an array of dimension sets`);
    const sets = directive.Dimensions.map((set: unknown, s) => {
      if (!Array.isArray(set) || set.some((k) => typeof k !== 'string')) {
        return fail(`${at}.Dimensions[${s}]: not an array of dimension keys`);
      }
      if (set.length > MAX_DIMENSION_KEYS) {
        fail(`${at}.Dimensions[${s}]: ${set.length} keys; at most ${MAX_DIMENSION_KEYS}`);
      }
      return (set as string[]).map((key) => {
        const value = document[key];
        if (typeof value !== 'string' || !dimensionValueOk(value)) {
          fail(
            `dimension ${key}: got ${JSON.stringify(value)}; a root member holding 1-1024 printable ASCII characters`,
          );
        }
        return { Name: key, Value: value as string };
      });
    });
    const metrics = directive.Metrics;
    if (!Array.isArray(metrics)) return fail(`${at}.Metrics: missing; an array of metric definitions`);
    if (metrics.length > MAX_METRICS) fail(`${at}.Metrics: ${metrics.length} definitions; at most ${MAX_METRICS}`);
    return metrics.flatMap((m: unknown, i) => {
      const mAt = `${at}.Metrics[${i}]`;
      if (!isObject(m) || typeof m.Name !== 'string' || m.Name.length < 1 || m.Name.length > 255) {
        return fail(`${mAt}.Name: missing; the name of a root member holding the value`);
      }
      if (m.Unit !== undefined && (typeof m.Unit !== 'string' || !CLOUDWATCH_UNITS.has(m.Unit))) {
        fail(`${mAt}.Unit: got ${JSON.stringify(m.Unit)}; one of CloudWatch's units (Seconds, Count, …)`);
      }
      if (m.StorageResolution !== undefined && m.StorageResolution !== 1 && m.StorageResolution !== 60) {
        fail(`${mAt}.StorageResolution: got ${JSON.stringify(m.StorageResolution)}; 1 or 60`);
      }
      const raw = document[m.Name];
      const number = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
      const value = number(raw) ? (raw as number) : undefined;
      const values =
        Array.isArray(raw) && raw.length <= MAX_VALUES && raw.every(number) ? (raw as number[]) : undefined;
      if (value === undefined && values === undefined) {
        fail(
          `metric ${m.Name}: got ${JSON.stringify(raw)}; a root member holding a number or at most ${MAX_VALUES} numbers`,
        );
      }
      const unit = m.Unit as string | undefined;
      // One metric per dimension set (a directive with no set gives the metric without dimensions).
      return (sets.length > 0 ? sets : [[]]).map((dimensions) => ({
        namespace: ns,
        metricName: m.Name as string,
        dimensions,
        ...(value !== undefined ? { value } : { values }),
        ...(unit ? { unit } : {}),
        timestamp,
      }));
    });
  });
}
