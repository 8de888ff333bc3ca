/**
 * DynamoDB expressions: a tokenizer and recursive-descent parser for condition, filter, key-condition, update and
 * projection expressions, and their evaluation against items in the AttributeValue JSON format.
 *
 * Grammar (docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html):
 *   condition := or;  or := and {OR and};  and := not {AND not};  not := NOT not | primary
 *   primary   := '(' condition ')' | function '(' operand {',' operand} ')'
 *              | operand (= | <> | < | <= | > | >=) operand | operand BETWEEN operand AND operand
 *              | operand IN '(' operand {',' operand} ')'
 *   operand   := path | :value | size '(' path ')';   path := name {'.' name | '[' digits ']'};  name := ident | #name
 *   update    := {SET path '=' setval {',' ...} | REMOVE path {',' path} | ADD path :value {','...} | DELETE path :value {','...}}
 *   setval    := term [('+' | '-') term];  term := operand | if_not_exists '(' path ',' term ')' | list_append '(' term ',' term ')'
 * Error messages follow the service's ("Invalid ConditionExpression: Syntax error; token: …, near: …").
 */
import { AwsApiError } from './errors';

/** One DynamoDB attribute value in the JSON wire format (binary values as base64 strings). */
export type AttrValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Record<string, AttrValue> }
  | { L: AttrValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };
export type AttrType = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';
export type Item = Record<string, AttrValue>;

export type ExpressionKind =
  'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression' | 'UpdateExpression' | 'ProjectionExpression';

/** A document path: map keys (strings) and list indexes (numbers). */
export type Path = (string | number)[];

export type Operand =
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'value'; readonly value: AttrValue; readonly token: string }
  | { readonly kind: 'size'; readonly path: Path };

export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type ConditionFunction =
  'attribute_exists' | 'attribute_not_exists' | 'attribute_type' | 'begins_with' | 'contains';

export type Condition =
  | { readonly op: 'AND' | 'OR'; readonly left: Condition; readonly right: Condition }
  | { readonly op: 'NOT'; readonly operand: Condition }
  | { readonly op: ComparisonOperator; readonly left: Operand; readonly right: Operand }
  | { readonly op: 'BETWEEN'; readonly subject: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly op: 'IN'; readonly subject: Operand; readonly list: readonly Operand[] }
  | { readonly op: 'function'; readonly name: ConditionFunction; readonly args: readonly Operand[] };

export type SetValue =
  | Operand
  | { readonly kind: 'if_not_exists'; readonly path: Path; readonly fallback: SetValue }
  | { readonly kind: 'list_append'; readonly first: SetValue; readonly second: SetValue }
  | { readonly kind: 'arithmetic'; readonly op: '+' | '-'; readonly left: SetValue; readonly right: SetValue };

export type UpdateAction =
  | { readonly kind: 'SET'; readonly path: Path; readonly value: SetValue }
  | { readonly kind: 'REMOVE'; readonly path: Path }
  | { readonly kind: 'ADD' | 'DELETE'; readonly path: Path; readonly value: AttrValue };

/** The placeholders of one request; parsing records which ones the expressions used. */
export class ExpressionContext {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    readonly names: Readonly<Record<string, string>> = {},
    readonly values: Readonly<Record<string, AttrValue>> = {},
  ) {}

  /** DynamoDB rejects placeholders that no expression of the request uses. */
  checkAllUsed(): void {
    const names = Object.keys(this.names).filter((k) => !this.usedNames.has(k));
    if (names.length > 0) {
      throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${names.join(', ')}}`);
    }
    const values = Object.keys(this.values).filter((k) => !this.usedValues.has(k));
    if (values.length > 0) {
      throw validation(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${values.join(', ')}}`,
      );
    }
  }
}

export function validation(message: string): AwsApiError {
  return new AwsApiError('dynamodb', 'ValidationException', message, 400);
}

// ---------------------------------------------------------------------------------------------------------------
// Attribute values

const ATTR_TYPES: readonly AttrType[] = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];

/** The single data type of an attribute value; throws the service's ValidationException when malformed. */
export function typeOf(value: unknown): AttrType {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  }
  const present = Object.entries(value).filter(([, v]) => v !== undefined);
  if (present.length === 0 || !ATTR_TYPES.includes(present[0][0] as AttrType)) {
    throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  }
  if (present.length > 1) {
    throw validation(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  }
  return present[0][0] as AttrType;
}

function payload(v: AttrValue): unknown {
  return (v as Record<string, unknown>)[typeOf(v)];
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** DynamoDB stores numbers normalised ("01.50" → "1.5"); integers stay exact (BigInt), others go through Number. */
export function normaliseNumber(text: string): string {
  if (typeof text !== 'string' || !NUMBER.test(text.trim())) {
    throw validation('A value provided cannot be converted into a number');
  }
  const t = text.trim();
  return /^[-+]?\d+$/.test(t) ? BigInt(t).toString() : String(Number(t));
}

/**
 * Validates an attribute value (recursively) and returns it normalised: numbers canonical, binary values as
 * base64 strings (an SDK client passes a Uint8Array), `undefined` members dropped.
 */
export function normaliseValue(value: unknown): AttrValue {
  const type = typeOf(value);
  const raw = (value as Record<string, unknown>)[type];
  const base64 = (b: unknown) => (b instanceof Uint8Array ? Buffer.from(b).toString('base64') : String(b));
  switch (type) {
    case 'S':
      return { S: String(raw) };
    case 'N':
      return { N: normaliseNumber(raw as string) };
    case 'B':
      return { B: base64(raw) };
    case 'BOOL':
      return { BOOL: Boolean(raw) };
    case 'NULL':
      return { NULL: true };
    case 'M':
      return { M: normaliseItem(raw as Record<string, unknown>) };
    case 'L':
      return { L: (raw as unknown[]).map(normaliseValue) };
    case 'SS':
    case 'NS':
    case 'BS': {
      const list = raw as unknown[];
      if (!Array.isArray(list) || list.length === 0) {
        throw validation('One or more parameter values were invalid: An string set  may not be empty');
      }
      const members = list.map((m) =>
        type === 'NS' ? normaliseNumber(m as string) : type === 'BS' ? base64(m) : String(m),
      );
      if (new Set(members).size !== members.length) {
        throw validation(
          `One or more parameter values were invalid: Input collection ${JSON.stringify(list)} contains duplicates.`,
        );
      }
      return { [type]: members } as AttrValue;
    }
  }
}

export function normaliseItem(item: Record<string, unknown>): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item ?? {})) if (v !== undefined) out[k] = normaliseValue(v);
  return out;
}

export function valuesEqual(a: AttrValue | undefined, b: AttrValue | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const ta = typeOf(a);
  if (ta !== typeOf(b)) return false;
  const pa = payload(a);
  const pb = payload(b);
  switch (ta) {
    case 'N':
      return Number(pa) === Number(pb) && normaliseNumber(pa as string) === normaliseNumber(pb as string);
    case 'SS':
    case 'NS':
    case 'BS': {
      const sa = new Set((pa as string[]).map((m) => (ta === 'NS' ? normaliseNumber(m) : m)));
      const sb = (pb as string[]).map((m) => (ta === 'NS' ? normaliseNumber(m) : m));
      return sa.size === sb.length && sb.every((m) => sa.has(m));
    }
    case 'L':
      return (
        (pa as AttrValue[]).length === (pb as AttrValue[]).length &&
        (pa as AttrValue[]).every((v, i) => valuesEqual(v, (pb as AttrValue[])[i]))
      );
    case 'M': {
      const ma = pa as Record<string, AttrValue>;
      const mb = pb as Record<string, AttrValue>;
      return (
        Object.keys(ma).length === Object.keys(mb).length && Object.keys(ma).every((k) => valuesEqual(ma[k], mb[k]))
      );
    }
    default:
      return pa === pb;
  }
}

/** Orders two S, N or B values of the same type (S and B by bytes, as DynamoDB does); undefined when not comparable. */
export function compareValues(a: AttrValue | undefined, b: AttrValue | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  const ta = typeOf(a);
  if (ta !== typeOf(b)) return undefined;
  if (ta === 'N') {
    const d = Number((a as { N: string }).N) - Number((b as { N: string }).N);
    return d < 0 ? -1 : d > 0 ? 1 : 0;
  }
  if (ta === 'S' || ta === 'B') {
    const ba = ta === 'S' ? Buffer.from((a as { S: string }).S, 'utf8') : Buffer.from((a as { B: string }).B, 'base64');
    const bb = ta === 'S' ? Buffer.from((b as { S: string }).S, 'utf8') : Buffer.from((b as { B: string }).B, 'base64');
    return Buffer.compare(ba, bb);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

export function getPath(item: Item, path: Path): AttrValue | undefined {
  let current = { M: item } as AttrValue | undefined;
  for (const step of path) {
    if (current === undefined) return undefined;
    if (typeof step === 'number') current = 'L' in current ? current.L[step] : undefined;
    else current = 'M' in current ? current.M[step] : undefined;
  }
  return current;
}

function invalidPathForUpdate(): AwsApiError {
  return validation('The document path provided in the update expression is invalid for update');
}

/** Sets `path` in `item` (mutating); a list index past the end appends, as DynamoDB does. */
export function setPath(item: Item, path: Path, value: AttrValue): void {
  let container = { M: item } as AttrValue;
  for (let i = 0; i < path.length; i += 1) {
    const step = path[i];
    const last = i === path.length - 1;
    if (typeof step === 'number') {
      if (!('L' in container)) throw invalidPathForUpdate();
      const list = container.L;
      if (last) {
        if (step >= list.length) list.push(value);
        else list[step] = value;
        return;
      }
      if (list[step] === undefined) throw invalidPathForUpdate();
      container = list[step];
    } else {
      if (!('M' in container)) throw invalidPathForUpdate();
      const map = container.M;
      if (last) {
        map[step] = value;
        return;
      }
      if (map[step] === undefined) throw invalidPathForUpdate();
      container = map[step];
    }
  }
}

/** Removes `path` from `item` (mutating); a missing path is a no-op. */
export function removePath(item: Item, path: Path): void {
  const parent = path.length === 1 ? { M: item } : getPath(item, path.slice(0, -1));
  const step = path[path.length - 1];
  if (parent === undefined) return;
  if (typeof step === 'number' && 'L' in parent) {
    if (step < parent.L.length) parent.L.splice(step, 1);
  } else if (typeof step === 'string' && 'M' in parent) {
    delete parent.M[step];
  }
}

export function formatPath(path: Path): string {
  return `[${path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer

type TokenKind = 'ident' | 'name' | 'value' | 'number' | 'punct' | 'eof';
interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

function tokenize(source: string, kind: ExpressionKind): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
  const isIdentChar = (c: string) => /[A-Za-z0-9_]/.test(c);
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i += 1;
    } else if (isIdentStart(c) || c === '#' || c === ':') {
      let j = i + 1;
      while (j < source.length && isIdentChar(source[j])) j += 1;
      if ((c === '#' || c === ':') && j === i + 1) throw syntaxError(kind, c, source);
      tokens.push({ kind: c === '#' ? 'name' : c === ':' ? 'value' : 'ident', text: source.slice(i, j) });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < source.length && /[0-9]/.test(source[j])) j += 1;
      tokens.push({ kind: 'number', text: source.slice(i, j) });
      i = j;
    } else if (source.startsWith('<>', i) || source.startsWith('<=', i) || source.startsWith('>=', i)) {
      tokens.push({ kind: 'punct', text: source.slice(i, i + 2) });
      i += 2;
    } else if ('()[],.=<>+-'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i += 1;
    } else {
      throw syntaxError(kind, c, source);
    }
  }
  tokens.push({ kind: 'eof', text: '<EOF>' });
  return tokens;
}

function syntaxError(kind: ExpressionKind, token: string, source: string): AwsApiError {
  return validation(`Invalid ${kind}: Syntax error; token: "${token}", near: "${source}"`);
}

// ---------------------------------------------------------------------------------------------------------------
// Parser

const CONDITION_FUNCTIONS: Record<ConditionFunction, number> = {
  attribute_exists: 1,
  attribute_not_exists: 1,
  attribute_type: 2,
  begins_with: 2,
  contains: 2,
};
const UPDATE_FUNCTIONS = ['if_not_exists', 'list_append'];
const ORDERED_TYPES: readonly AttrType[] = ['S', 'N', 'B'];

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(
    private readonly source: string,
    private readonly kind: ExpressionKind,
    private readonly context: ExpressionContext,
  ) {
    if (source.trim() === '') throw validation(`Invalid ${kind}: The expression can not be empty;`);
    if (Buffer.byteLength(source) > 4096) {
      throw validation(
        `Invalid ${kind}: Expression size has exceeded the maximum allowed size; expression size: ${Buffer.byteLength(source)}`,
      );
    }
    this.tokens = tokenize(source, kind);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.index += 1;
    return t;
  }

  private isPunct(t: Token, text: string): boolean {
    return t.kind === 'punct' && t.text === text;
  }

  private isKeyword(t: Token, keyword: string): boolean {
    return t.kind === 'ident' && t.text.toUpperCase() === keyword;
  }

  error(message: string): AwsApiError {
    return validation(`Invalid ${this.kind}: ${message}`);
  }

  syntax(t: Token): AwsApiError {
    return syntaxError(this.kind, t.text, this.source);
  }

  expectPunct(text: string): void {
    const t = this.next();
    if (!this.isPunct(t, text)) throw this.syntax(t);
  }

  expectEnd(): void {
    if (this.peek().kind !== 'eof') throw this.syntax(this.peek());
  }

  private name(t: Token): string {
    if (t.kind === 'ident') {
      if (RESERVED_WORDS.has(t.text.toUpperCase())) {
        throw this.error(`Attribute name is a reserved keyword; reserved keyword: ${t.text}`);
      }
      return t.text;
    }
    if (t.kind === 'name') {
      const resolved = this.context.names[t.text];
      if (resolved === undefined) {
        throw this.error(
          `An expression attribute name used in the document path is not defined; attribute name: ${t.text}`,
        );
      }
      this.context.usedNames.add(t.text);
      return resolved;
    }
    throw this.syntax(t);
  }

  private value(t: Token): AttrValue {
    const v = this.context.values[t.text];
    if (v === undefined) {
      throw this.error(`An expression attribute value used in expression is not defined; attribute value: ${t.text}`);
    }
    this.context.usedValues.add(t.text);
    return v;
  }

  path(): Path {
    const path: Path = [this.name(this.next())];
    for (;;) {
      if (this.isPunct(this.peek(), '.')) {
        this.next();
        path.push(this.name(this.next()));
      } else if (this.isPunct(this.peek(), '[')) {
        this.next();
        const t = this.next();
        if (t.kind !== 'number') throw this.syntax(t);
        path.push(Number(t.text));
        this.expectPunct(']');
      } else {
        return path;
      }
    }
  }

  private isFunctionCall(): boolean {
    return this.peek().kind === 'ident' && this.isPunct(this.peek(1), '(');
  }

  operand(): Operand {
    const t = this.peek();
    if (t.kind === 'value') {
      this.next();
      return { kind: 'value', value: this.value(t), token: t.text };
    }
    if (this.isFunctionCall()) {
      if (t.text !== 'size') {
        if (t.text in CONDITION_FUNCTIONS || UPDATE_FUNCTIONS.includes(t.text)) {
          throw this.error(`The function is not allowed to be used this way in an expression; function: ${t.text}`);
        }
        throw this.error(`Invalid function name; function: ${t.text}`);
      }
      this.next();
      this.next();
      const path = this.path();
      this.expectPunct(')');
      return { kind: 'size', path };
    }
    if (t.kind === 'ident' || t.kind === 'name') return { kind: 'path', path: this.path() };
    throw this.syntax(this.next());
  }

  condition(): Condition {
    return this.joined('OR', () => this.and());
  }

  private and(): Condition {
    return this.joined('AND', () => this.not());
  }

  /** `operand (op operand)*`, grouped from the left. */
  private joined(op: 'AND' | 'OR', operand: () => Condition): Condition {
    let left = operand();
    while (this.isKeyword(this.peek(), op)) {
      this.next();
      left = { op, left, right: operand() };
    }
    return left;
  }

  private not(): Condition {
    if (this.isKeyword(this.peek(), 'NOT')) {
      this.next();
      return { op: 'NOT', operand: this.not() };
    }
    return this.primary();
  }

  private primary(): Condition {
    if (this.isPunct(this.peek(), '(')) {
      this.next();
      const inner = this.condition();
      this.expectPunct(')');
      return inner;
    }
    if (this.isFunctionCall() && this.peek().text !== 'size') return this.functionCall();
    const left = this.operand();
    const op = this.next();
    if (op.kind === 'punct' && ['=', '<>', '<', '<=', '>', '>='].includes(op.text)) {
      const right = this.operand();
      const operator = op.text as ComparisonOperator;
      if (operator !== '=' && operator !== '<>') {
        this.requireOrdered(operator, left);
        this.requireOrdered(operator, right);
      }
      return { op: operator, left, right };
    }
    if (this.isKeyword(op, 'BETWEEN')) {
      const low = this.operand();
      const and = this.next();
      if (!this.isKeyword(and, 'AND')) throw this.syntax(and);
      const high = this.operand();
      [left, low, high].forEach((o) => this.requireOrdered('BETWEEN', o));
      return { op: 'BETWEEN', subject: left, low, high };
    }
    if (this.isKeyword(op, 'IN')) {
      this.expectPunct('(');
      const list: Operand[] = [this.operand()];
      while (this.isPunct(this.peek(), ',')) {
        this.next();
        list.push(this.operand());
      }
      this.expectPunct(')');
      if (list.length > 100) {
        throw this.error(`The IN operator is provided with too many operands; number of operands: ${list.length}`);
      }
      return { op: 'IN', subject: left, list };
    }
    throw this.syntax(op);
  }

  /** A literal operand of an ordering operator must be a string, number or binary. */
  private requireOrdered(operator: string, operand: Operand): void {
    if (operand.kind !== 'value') return;
    const type = typeOf(operand.value);
    if (!ORDERED_TYPES.includes(type)) {
      throw this.error(
        `Incorrect operand type for operator or function; operator or function: ${operator}, operand type: ${typeName(type)}`,
      );
    }
  }

  private functionCall(): Condition {
    const name = this.next().text;
    this.next(); // (
    const args: Operand[] = [];
    if (!this.isPunct(this.peek(), ')')) {
      args.push(this.operand());
      while (this.isPunct(this.peek(), ',')) {
        this.next();
        args.push(this.operand());
      }
    }
    this.expectPunct(')');
    if (!(name in CONDITION_FUNCTIONS)) {
      if (UPDATE_FUNCTIONS.includes(name)) {
        throw this.error(`The function is not allowed in a condition expression; function: ${name}`);
      }
      throw this.error(`Invalid function name; function: ${name}`);
    }
    const fn = name as ConditionFunction;
    if (args.length !== CONDITION_FUNCTIONS[fn]) {
      throw this.error(
        `Incorrect number of operands for operator or function; operator or function: ${fn}, number of operands: ${args.length}`,
      );
    }
    if (args[0].kind !== 'path') {
      throw this.error(`Operator or function requires a document path; operator or function: ${fn}`);
    }
    if (fn === 'attribute_type') {
      const t = args[1];
      if (t.kind !== 'value' || !('S' in t.value)) {
        const type = t.kind === 'value' ? typeName(typeOf(t.value)) : 'PATH';
        throw this.error(
          `Incorrect operand type for operator or function; operator or function: attribute_type, operand type: ${type}`,
        );
      }
      if (!ATTR_TYPES.includes(t.value.S as AttrType)) {
        throw this.error(
          `Invalid attribute type name found; type: ${t.value.S}, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }`,
        );
      }
    }
    if (fn === 'begins_with' && args[1].kind === 'value' && !['S', 'B'].includes(typeOf(args[1].value))) {
      throw this.error(
        `Incorrect operand type for operator or function; operator or function: begins_with, operand type: ${typeName(typeOf(args[1].value))}`,
      );
    }
    return { op: 'function', name: fn, args };
  }

  update(): UpdateAction[] {
    const actions: UpdateAction[] = [];
    const seen = new Set<string>();
    while (this.peek().kind !== 'eof') {
      const clause = this.next();
      const keyword = clause.kind === 'ident' ? clause.text.toUpperCase() : '';
      if (!['SET', 'REMOVE', 'ADD', 'DELETE'].includes(keyword)) throw this.syntax(clause);
      if (seen.has(keyword))
        throw this.error(`The "${keyword}" section can only be used once in an update expression;`);
      seen.add(keyword);
      for (;;) {
        const path = this.path();
        if (keyword === 'SET') {
          this.expectPunct('=');
          actions.push({ kind: 'SET', path, value: this.setValue() });
        } else if (keyword === 'REMOVE') {
          actions.push({ kind: 'REMOVE', path });
        } else {
          const t = this.next();
          if (t.kind !== 'value') throw this.syntax(t);
          const value = this.value(t);
          const type = typeOf(value);
          const allowed = keyword === 'ADD' ? ['N', 'SS', 'NS', 'BS'] : ['SS', 'NS', 'BS'];
          if (!allowed.includes(type)) {
            throw this.error(
              `Incorrect operand type for operator or function; operator: ${keyword}, operand type: ${typeName(type)}`,
            );
          }
          actions.push({ kind: keyword as 'ADD' | 'DELETE', path, value });
        }
        if (!this.isPunct(this.peek(), ',')) break;
        this.next();
      }
    }
    checkOverlaps(
      actions.map((a) => a.path),
      (m) => this.error(m),
    );
    return actions;
  }

  private setValue(): SetValue {
    const left = this.term();
    const t = this.peek();
    if (this.isPunct(t, '+') || this.isPunct(t, '-')) {
      this.next();
      return { kind: 'arithmetic', op: t.text as '+' | '-', left, right: this.term() };
    }
    return left;
  }

  private term(): SetValue {
    if (this.isFunctionCall() && UPDATE_FUNCTIONS.includes(this.peek().text)) {
      const name = this.next().text;
      this.next(); // (
      if (name === 'if_not_exists') {
        const path = this.path();
        this.expectPunct(',');
        const fallback = this.term();
        this.expectPunct(')');
        return { kind: 'if_not_exists', path, fallback };
      }
      const first = this.term();
      this.expectPunct(',');
      const second = this.term();
      this.expectPunct(')');
      return { kind: 'list_append', first, second };
    }
    if (this.isFunctionCall() && this.peek().text !== 'size') {
      const name = this.peek().text;
      if (name in CONDITION_FUNCTIONS) {
        throw this.error(`The function is not allowed in an update expression; function: ${name}`);
      }
      throw this.error(`Invalid function name; function: ${name}`);
    }
    const operand = this.operand();
    if (operand.kind === 'size')
      throw this.error('The function is not allowed in an update expression; function: size');
    return operand;
  }

  projection(): Path[] {
    const paths = [this.path()];
    while (this.isPunct(this.peek(), ',')) {
      this.next();
      paths.push(this.path());
    }
    checkOverlaps(paths, (m) => this.error(m));
    return paths;
  }
}

function typeName(type: AttrType): string {
  const names: Record<AttrType, string> = {
    S: 'STRING',
    N: 'NUMBER',
    B: 'BINARY',
    BOOL: 'BOOLEAN',
    NULL: 'NULL',
    M: 'MAP',
    L: 'LIST',
    SS: 'SET',
    NS: 'SET',
    BS: 'SET',
  };
  return names[type];
}

function checkOverlaps(paths: Path[], error: (message: string) => AwsApiError): void {
  for (let i = 0; i < paths.length; i += 1) {
    for (let j = i + 1; j < paths.length; j += 1) {
      const [a, b] = [paths[i], paths[j]];
      const n = Math.min(a.length, b.length);
      if (a.slice(0, n).every((step, k) => step === b[k])) {
        throw error(
          `Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${formatPath(a)}, path two: ${formatPath(b)}`,
        );
      }
    }
  }
}

export function parseCondition(source: string, kind: ExpressionKind, context: ExpressionContext): Condition {
  const parser = new Parser(source, kind, context);
  const condition = parser.condition();
  parser.expectEnd();
  return condition;
}

export function parseUpdate(source: string, context: ExpressionContext): UpdateAction[] {
  const parser = new Parser(source, 'UpdateExpression', context);
  const actions = parser.update();
  parser.expectEnd();
  return actions;
}

export function parseProjection(source: string, context: ExpressionContext): Path[] {
  const parser = new Parser(source, 'ProjectionExpression', context);
  const paths = parser.projection();
  parser.expectEnd();
  return paths;
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

function resolve(operand: Operand, item: Item): AttrValue | undefined {
  if (operand.kind === 'value') return operand.value;
  const value = getPath(item, operand.path);
  if (operand.kind === 'path' || value === undefined) return value;
  const type = typeOf(value);
  const p = payload(value);
  if (type === 'S') return { N: String([...(p as string)].length) };
  if (type === 'B') return { N: String(Buffer.from(p as string, 'base64').length) };
  if (type === 'M') return { N: String(Object.keys(p as object).length) };
  if (['L', 'SS', 'NS', 'BS'].includes(type)) return { N: String((p as unknown[]).length) };
  return undefined; // size() of a number, boolean or null: the condition is false
}

/**
 * Evaluates a condition against an item (an empty object when the item does not exist). A comparison with a missing
 * attribute is false, except `<>`, which is true (moto and DynamoDB Local agree on this).
 */
export function evaluateCondition(condition: Condition, item: Item): boolean {
  switch (condition.op) {
    case 'AND':
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case 'OR':
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case 'NOT':
      return !evaluateCondition(condition.operand, item);
    case '=':
      return valuesEqual(resolve(condition.left, item), resolve(condition.right, item));
    case '<>': {
      const [a, b] = [resolve(condition.left, item), resolve(condition.right, item)];
      return a === undefined && b === undefined ? false : !valuesEqual(a, b);
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const c = compareValues(resolve(condition.left, item), resolve(condition.right, item));
      if (c === undefined) return false;
      return { '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[condition.op];
    }
    case 'BETWEEN': {
      const subject = resolve(condition.subject, item);
      const low = compareValues(subject, resolve(condition.low, item));
      const high = compareValues(subject, resolve(condition.high, item));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'IN': {
      const subject = resolve(condition.subject, item);
      return condition.list.some((o) => valuesEqual(subject, resolve(o, item)));
    }
    case 'function':
      return evaluateFunction(condition.name, condition.args, item);
  }
}

function evaluateFunction(name: ConditionFunction, args: readonly Operand[], item: Item): boolean {
  const subject = resolve(args[0], item);
  switch (name) {
    case 'attribute_exists':
      return subject !== undefined;
    case 'attribute_not_exists':
      return subject === undefined;
    case 'attribute_type':
      return subject !== undefined && typeOf(subject) === (resolve(args[1], item) as { S: string }).S;
    case 'begins_with': {
      const prefix = resolve(args[1], item);
      if (subject === undefined || prefix === undefined) return false;
      if ('S' in subject && 'S' in prefix) return subject.S.startsWith(prefix.S);
      if ('B' in subject && 'B' in prefix) {
        const [s, p] = [Buffer.from(subject.B, 'base64'), Buffer.from(prefix.B, 'base64')];
        return s.subarray(0, p.length).equals(p);
      }
      return false;
    }
    case 'contains': {
      const needle = resolve(args[1], item);
      if (subject === undefined || needle === undefined) return false;
      if ('S' in subject) return 'S' in needle && subject.S.includes(needle.S);
      if ('SS' in subject) return 'S' in needle && subject.SS.includes(needle.S);
      if ('NS' in subject) return 'N' in needle && subject.NS.some((n) => Number(n) === Number(needle.N));
      if ('BS' in subject) return 'B' in needle && subject.BS.includes(needle.B);
      if ('L' in subject) return subject.L.some((v) => valuesEqual(v, needle));
      return false;
    }
  }
}

function incorrectType(): AwsApiError {
  return validation('An operand in the update expression has an incorrect data type');
}

function addNumbers(a: string, b: string, sign: 1 | -1): string {
  const integer = /^[-+]?\d+$/;
  if (integer.test(a) && integer.test(b)) return (BigInt(a) + BigInt(sign) * BigInt(b)).toString();
  return normaliseNumber(String(Number(a) + sign * Number(b)));
}

function evaluateSetValue(value: SetValue, item: Item): AttrValue {
  switch (value.kind) {
    case 'value':
    case 'path':
    case 'size': {
      const v = resolve(value, item);
      if (v === undefined)
        throw validation('The provided expression refers to an attribute that does not exist in the item');
      return structuredClone(v);
    }
    case 'if_not_exists': {
      const existing = getPath(item, value.path);
      return existing !== undefined ? structuredClone(existing) : evaluateSetValue(value.fallback, item);
    }
    case 'list_append': {
      const [a, b] = [evaluateSetValue(value.first, item), evaluateSetValue(value.second, item)];
      if (!('L' in a) || !('L' in b)) throw incorrectType();
      return { L: [...a.L, ...b.L] };
    }
    case 'arithmetic': {
      const [a, b] = [evaluateSetValue(value.left, item), evaluateSetValue(value.right, item)];
      if (!('N' in a) || !('N' in b)) throw incorrectType();
      return { N: addNumbers(a.N, b.N, value.op === '+' ? 1 : -1) };
    }
  }
}

/**
 * Applies update actions to a copy of `item`. Every SET value is computed from the item as it was before the update,
 * REMOVEs of list elements use the original indexes, as DynamoDB does. Returns the new item.
 */
export function applyUpdate(actions: readonly UpdateAction[], original: Item): Item {
  const item = structuredClone(original);
  const sets = actions.flatMap((a) =>
    a.kind === 'SET' ? [{ path: a.path, value: evaluateSetValue(a.value, original) }] : [],
  );
  for (const s of sets) setPath(item, s.path, s.value);
  const removes = actions.filter((a) => a.kind === 'REMOVE');
  // Remove from the highest list index down, so earlier indexes keep their meaning.
  removes.sort((a, b) => {
    const [x, y] = [a.path[a.path.length - 1], b.path[b.path.length - 1]];
    return typeof x === 'number' && typeof y === 'number' ? y - x : 0;
  });
  for (const r of removes) removePath(item, r.path);
  for (const a of actions) {
    if (a.kind !== 'ADD' && a.kind !== 'DELETE') continue;
    const existing = getPath(item, a.path);
    const type = typeOf(a.value);
    if (existing === undefined) {
      if (a.kind === 'ADD') setPath(item, a.path, structuredClone(a.value));
      continue;
    }
    if (typeOf(existing) !== type) throw incorrectType();
    if (type === 'N') {
      setPath(item, a.path, { N: addNumbers((existing as { N: string }).N, (a.value as { N: string }).N, 1) });
      continue;
    }
    const current = payload(existing) as string[];
    const operand = payload(a.value) as string[];
    const members =
      a.kind === 'ADD'
        ? [...current, ...operand.filter((m) => !current.includes(m))]
        : current.filter((m) => !operand.includes(m));
    if (members.length === 0) removePath(item, a.path);
    else setPath(item, a.path, { [type]: members } as AttrValue);
  }
  return item;
}

/** The attributes an item keeps under a ProjectionExpression (list elements compacted, as DynamoDB does). */
export function project(item: Item, paths: readonly Path[]): Item {
  const out: Item = {};
  for (const path of paths) {
    const value = getPath(item, path);
    if (value === undefined) continue;
    let target = { M: out } as AttrValue;
    for (let i = 0; i < path.length; i += 1) {
      const last = i === path.length - 1;
      const next = path[i + 1];
      const fresh = (): AttrValue => (last ? structuredClone(value) : typeof next === 'number' ? { L: [] } : { M: {} });
      const step = path[i];
      if ('M' in target) {
        const key = step as string;
        target.M[key] ??= fresh();
        target = target.M[key];
      } else if ('L' in target) {
        const created = fresh();
        target.L.push(created);
        target = created;
      }
    }
  }
  return out;
}

/**
 * DynamoDB's reserved words: an attribute name in an expression that is one of these must go through
 * ExpressionAttributeNames. Source: docs.aws.amazon.com/amazondynamodb/latest/developerguide/ReservedWords.html
 * (573 words, including the list's own spellings INNTER, LOGED and FLATTERN).
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  `ABORT ABSOLUTE ACTION ADD AFTER AGENT AGGREGATE ALL ALLOCATE ALTER ANALYZE AND ANY ARCHIVE ARE ARRAY AS ASC ASCII
ASENSITIVE ASSERTION ASYMMETRIC AT ATOMIC ATTACH ATTRIBUTE AUTH AUTHORIZATION AUTHORIZE AUTO AVG BACK BACKUP BASE BATCH
BEFORE BEGIN BETWEEN BIGINT BINARY BIT BLOB BLOCK BOOLEAN BOTH BREADTH BUCKET BULK BY BYTE CALL CALLED CALLING CAPACITY
CASCADE CASCADED CASE CAST CATALOG CHAR CHARACTER CHECK CLASS CLOB CLOSE CLUSTER CLUSTERED CLUSTERING CLUSTERS COALESCE
COLLATE COLLATION COLLECTION COLUMN COLUMNS COMBINE COMMENT COMMIT COMPACT COMPILE COMPRESS CONDITION CONFLICT CONNECT
CONNECTION CONSISTENCY CONSISTENT CONSTRAINT CONSTRAINTS CONSTRUCTOR CONSUMED CONTINUE CONVERT COPY CORRESPONDING COUNT
COUNTER CREATE CROSS CUBE CURRENT CURSOR CYCLE DATA DATABASE DATE DATETIME DAY DEALLOCATE DEC DECIMAL DECLARE DEFAULT
DEFERRABLE DEFERRED DEFINE DEFINED DEFINITION DELETE DELIMITED DEPTH DEREF DESC DESCRIBE DESCRIPTOR DETACH DETERMINISTIC
DIAGNOSTICS DIRECTORIES DISABLE DISCONNECT DISTINCT DISTRIBUTE DO DOMAIN DOUBLE DROP DUMP DURATION DYNAMIC EACH ELEMENT
ELSE ELSEIF EMPTY ENABLE END EQUAL EQUALS ERROR ESCAPE ESCAPED EVAL EVALUATE EXCEEDED EXCEPT EXCEPTION EXCEPTIONS
EXCLUSIVE EXEC EXECUTE EXISTS EXIT EXPLAIN EXPLODE EXPORT EXPRESSION EXTENDED EXTERNAL EXTRACT FAIL FALSE FAMILY FETCH
FIELDS FILE FILTER FILTERING FINAL FINISH FIRST FIXED FLATTERN FLOAT FOR FORCE FOREIGN FORMAT FORWARD FOUND FREE FROM
FULL FUNCTION FUNCTIONS GENERAL GENERATE GET GLOB GLOBAL GO GOTO GRANT GREATER GROUP GROUPING HANDLER HASH HAVE HAVING
HEAP HIDDEN HOLD HOUR IDENTIFIED IDENTITY IF IGNORE IMMEDIATE IMPORT IN INCLUDING INCLUSIVE INCREMENT INCREMENTAL INDEX
INDEXED INDEXES INDICATOR INFINITE INITIALLY INLINE INNER INNTER INOUT INPUT INSENSITIVE INSERT INSTEAD INT INTEGER
INTERSECT INTERVAL INTO INVALIDATE IS ISOLATION ITEM ITEMS ITERATE JOIN KEY KEYS LAG LANGUAGE LARGE LAST LATERAL LEAD
LEADING LEAVE LEFT LENGTH LESS LEVEL LIKE LIMIT LIMITED LINES LIST LOAD LOCAL LOCALTIME LOCALTIMESTAMP LOCATION LOCATOR
LOCK LOCKS LOG LOGED LONG LOOP LOWER MAP MATCH MATERIALIZED MAX MAXLEN MEMBER MERGE METHOD METRICS MIN MINUS MINUTE
MISSING MOD MODE MODIFIES MODIFY MODULE MONTH MULTI MULTISET NAME NAMES NATIONAL NATURAL NCHAR NCLOB NEW NEXT NO NONE NOT
NULL NULLIF NUMBER NUMERIC OBJECT OF OFFLINE OFFSET OLD ON ONLINE ONLY OPAQUE OPEN OPERATOR OPTION OR ORDER ORDINALITY
OTHER OTHERS OUT OUTER OUTPUT OVER OVERLAPS OVERRIDE OWNER PAD PARALLEL PARAMETER PARAMETERS PARTIAL PARTITION
PARTITIONED PARTITIONS PATH PERCENT PERCENTILE PERMISSION PERMISSIONS PIPE PIPELINED PLAN POOL POSITION PRECISION
PREPARE PRESERVE PRIMARY PRIOR PRIVATE PRIVILEGES PROCEDURE PROCESSED PROJECT PROJECTION PROPERTY PROVISIONING PUBLIC
PUT QUERY QUIT QUORUM RAISE RANDOM RANGE RANK RAW READ READS REAL REBUILD RECORD RECURSIVE REDUCE REF REFERENCE
REFERENCES REFERENCING REGEXP REGION REINDEX RELATIVE RELEASE REMAINDER RENAME REPEAT REPLACE REQUEST RESET RESIGNAL
RESOURCE RESPONSE RESTORE RESTRICT RESULT RETURN RETURNING RETURNS REVERSE REVOKE RIGHT ROLE ROLES ROLLBACK ROLLUP
ROUTINE ROW ROWS RULE RULES SAMPLE SATISFIES SAVE SAVEPOINT SCAN SCHEMA SCOPE SCROLL SEARCH SECOND SECTION SEGMENT
SEGMENTS SELECT SELF SEMI SENSITIVE SEPARATE SEQUENCE SERIALIZABLE SESSION SET SETS SHARD SHARE SHARED SHORT SHOW SIGNAL
SIMILAR SIZE SKEWED SMALLINT SNAPSHOT SOME SOURCE SPACE SPACES SPARSE SPECIFIC SPECIFICTYPE SPLIT SQL SQLCODE SQLERROR
SQLEXCEPTION SQLSTATE SQLWARNING START STATE STATIC STATUS STORAGE STORE STORED STREAM STRING STRUCT STYLE SUB
SUBMULTISET SUBPARTITION SUBSTRING SUBTYPE SUM SUPER SYMMETRIC SYNONYM SYSTEM TABLE TABLESAMPLE TEMP TEMPORARY TERMINATED
TEXT THAN THEN THROUGHPUT TIME TIMESTAMP TIMEZONE TINYINT TO TOKEN TOTAL TOUCH TRAILING TRANSACTION TRANSFORM TRANSLATE
TRANSLATION TREAT TRIGGER TRIM TRUE TRUNCATE TTL TUPLE TYPE UNDER UNDO UNION UNIQUE UNIT UNKNOWN UNLOGGED UNNEST
UNPROCESSED UNSIGNED UNTIL UPDATE UPPER URL USAGE USE USER USERS USING UUID VACUUM VALUE VALUED VALUES VARCHAR VARIABLE
VARIANCE VARINT VARYING VIEW VIEWS VIRTUAL VOID WAIT WHEN WHENEVER WHERE WHILE WINDOW WITH WITHIN WITHOUT WORK WRAPPED
WRITE YEAR ZONE`.split(/\s+/),
);
