/**
 * EventBridge Scheduler's recurring schedule expressions, checked as the service checks them, so that a backup
 * policy's schedule is refused at `cdk synth` rather than by CreateSchedule at deploy time. Sources: EventBridge
 * Scheduler User Guide, "Schedule types" (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html:
 * `rate(value unit)`, `cron(minutes hours day-of-month month day-of-week year)`), whose cron fields, wildcards and
 * limitations are those of the EventBridge User Guide's cron reference
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html), and the rate reference
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html): "If the value is equal to 1,
 * then the unit must be singular. If the value is greater than 1, the unit must be plural."
 */

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names allowed for values (JAN-DEC, SUN-SAT), numbered from `min`. */
  readonly names?: readonly string[];
  /** The special characters the field allows besides `,` `-` `*` (and `/` where listed). */
  readonly step: boolean;
  readonly question: boolean;
}

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59, step: true, question: false },
  { name: 'hours', min: 0, max: 23, step: true, question: false },
  { name: 'day-of-month', min: 1, max: 31, step: true, question: true },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    step: true,
    question: false,
  },
  {
    name: 'day-of-week',
    min: 1,
    max: 7,
    names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
    step: false,
    question: true,
  },
  { name: 'year', min: 1970, max: 2199, step: true, question: false },
];

const CRON_FORM = 'cron(minutes hours day-of-month month day-of-week year), e.g. "cron(0 2 * * ? *)"';
const RATE_FORM = 'rate(value unit) with unit minute(s), hour(s) or day(s), e.g. "rate(12 hours)"';

/** A single value of a field (number or name), or undefined when it is neither. */
function valueOf(field: CronField, text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const i = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return i >= 0 ? field.min + i : undefined;
}

/** The problem with one comma-separated item of a field, or undefined. */
function itemProblem(field: CronField, item: string): string | undefined {
  const values = `${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ''}`;
  const bad = `"${item}" is not a ${field.name} value (${values})`;
  if (item === '*') return undefined;
  if (field.name === 'day-of-month') {
    if (item === 'L' || item === 'LW') return undefined;
    const w = /^(\d+)W$/.exec(item);
    if (w) return valueOf(field, w[1]) === undefined ? bad : undefined;
  }
  if (field.name === 'day-of-week') {
    if (item === 'L') return undefined;
    const last = /^([^#L]+)L$/.exec(item);
    if (last) return valueOf(field, last[1]) === undefined ? bad : undefined;
    const nth = /^([^#]+)#(\d+)$/.exec(item);
    if (nth) {
      if (valueOf(field, nth[1]) === undefined) return bad;
      return Number(nth[2]) >= 1 && Number(nth[2]) <= 5 ? undefined : `"${item}": the week after "#" must be 1-5`;
    }
  }
  const [range, increment, ...more] = item.split('/');
  if (more.length) return bad;
  if (increment !== undefined) {
    if (!field.step) return `"${item}": ${field.name} allows no "/" increment`;
    if (!/^\d+$/.test(increment) || Number(increment) < 1 || Number(increment) > field.max) {
      return `"${item}": the increment after "/" must be 1-${field.max}`;
    }
    if (range === '*') return undefined;
  }
  const bounds = range.split('-');
  if (bounds.length > 2 || bounds.some((b) => valueOf(field, b) === undefined)) return bad;
  return undefined;
}

/** Every problem of a cron expression's fields, in words. */
function cronProblems(fields: readonly string[]): string[] {
  if (fields.length !== 6) {
    return [
      `must be an EventBridge Scheduler expression: a cron expression has six fields (this one ${fields.length}): ${CRON_FORM}`,
    ];
  }
  const problems: string[] = [];
  CRON_FIELDS.forEach((field, i) => {
    const text = fields[i];
    if (text === '?') {
      if (!field.question) problems.push(`"?" is allowed only in day-of-month or day-of-week, not in ${field.name}`);
      return;
    }
    const items = text.split(',');
    if (field.name === 'day-of-week' && text.includes('#') && items.length > 1) {
      problems.push(`"${text}": with "#", day-of-week holds one expression only`);
      return;
    }
    for (const item of items) {
      const problem = itemProblem(field, item);
      if (problem) problems.push(problem);
    }
  });
  const [dom, dow] = [fields[2], fields[4]];
  if ((dom === '?') === (dow === '?')) {
    problems.push(
      `day-of-month "${dom}" and day-of-week "${dow}": exactly one of them must be "?" (a value or "*" in one needs "?" in the other)`,
    );
  }
  return problems;
}

/**
 * The problems of an EventBridge Scheduler recurring expression (`cron(…)` or `rate(…)`); none when it is valid.
 * One-time `at(…)` expressions are not recurring and are refused.
 */
export function scheduleExpressionProblems(expression: string): string[] {
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return cronProblems(cron[1].trim().split(/\s+/));
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) {
    const m = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(rate[1]);
    if (!m || Number(m[1]) < 1) return [`is not ${RATE_FORM} (a positive whole value)`];
    const singular = !m[2].endsWith('s');
    if (Number(m[1]) === 1 && !singular)
      return [`a value of 1 takes the singular unit: "rate(1 ${m[2].slice(0, -1)})"`];
    if (Number(m[1]) > 1 && singular) return [`a value above 1 takes the plural unit: "rate(${m[1]} ${m[2]}s)"`];
    return [];
  }
  return [`must be an EventBridge Scheduler recurring expression: ${CRON_FORM}, or ${RATE_FORM}`];
}
