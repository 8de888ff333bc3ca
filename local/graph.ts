import type { AslDefinition, AslState } from './engine/asl';

/**
 * Renders a state machine's ASL as a Mermaid flowchart: one node per state (shape by type), edges for
 * Next / Default / Choice rules (labelled with their condition), Catch edges dashed, Map and Parallel
 * bodies as subgraphs.
 */
export function toMermaid(definition: AslDefinition): string {
  const lines = ['flowchart TD'];
  const ids = new Map<string, string>();
  const id = (name: string) => {
    let v = ids.get(name);
    if (!v) {
      v = `s${ids.size}`;
      ids.set(name, v);
    }
    return v;
  };
  const label = (text: string) => text.replace(/"/g, "'").replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›'));
  const node = (name: string, s: AslState) => {
    const t = label(name);
    switch (s.Type) {
      case 'Choice':
        return `${id(name)}{"${t}"}`;
      case 'Succeed':
        return `${id(name)}(["${t}"])`;
      case 'Fail':
        return `${id(name)}[["${t}"]]`;
      case 'Wait':
        return `${id(name)}>"${t}"]`;
      case 'Task':
        return `${id(name)}["${t}"]`;
      default:
        return `${id(name)}("${t}")`;
    }
  };

  const render = (d: AslDefinition, indent: string, start: string) => {
    lines.push(`${indent}${start} --> ${id(d.StartAt)}`);
    for (const [name, s] of Object.entries(d.States)) {
      const inner = (s.ItemProcessor ?? s.Iterator) as AslDefinition | undefined;
      const branches = [...(s.Branches ?? []), ...(inner ? [inner] : [])];
      if (branches.length > 0) {
        lines.push(`${indent}subgraph ${id(name)}_body ["${label(name)} (${s.Type})"]`);
        lines.push(`${indent}  ${node(name, s)}`);
        branches.forEach((b) => render(b, `${indent}  `, id(name)));
        lines.push(`${indent}end`);
      } else {
        lines.push(`${indent}${node(name, s)}`);
      }
      if (typeof s.Next === 'string') lines.push(`${indent}${id(name)} --> ${id(s.Next)}`);
      for (const rule of (s.Choices as Record<string, unknown>[] | undefined) ?? []) {
        lines.push(`${indent}${id(name)} -->|"${label(describeRule(rule))}"| ${id(String(rule.Next))}`);
      }
      if (typeof s.Default === 'string') lines.push(`${indent}${id(name)} -->|otherwise| ${id(s.Default)}`);
      for (const c of (s.Catch as { ErrorEquals: string[]; Next: string }[] | undefined) ?? []) {
        lines.push(`${indent}${id(name)} -.->|"${label(c.ErrorEquals.join(', '))}"| ${id(c.Next)}`);
      }
    }
  };
  lines.push('  start((start))');
  render(definition, '  ', 'start');
  return lines.join('\n') + '\n';
}

const OPS: Record<string, string> = {
  StringEquals: '==',
  NumericEquals: '==',
  BooleanEquals: '==',
  NumericGreaterThanEquals: '>=',
  NumericLessThan: '<',
  NumericGreaterThan: '>',
  NumericLessThanEquals: '<=',
  StringMatches: 'matches',
};

/** A short reading of a Choice rule: `$.x == "running"`, `$.a present`, `… and …`. */
export function describeRule(rule: Record<string, unknown>): string {
  if (Array.isArray(rule.And)) return (rule.And as Record<string, unknown>[]).map(describeRule).join(' and ');
  if (Array.isArray(rule.Or)) return (rule.Or as Record<string, unknown>[]).map(describeRule).join(' or ');
  if (rule.Not) return `not (${describeRule(rule.Not as Record<string, unknown>)})`;
  const variable = String(rule.Variable ?? '');
  for (const [k, v] of Object.entries(rule)) {
    if (k === 'Variable' || k === 'Next') continue;
    if (k === 'IsPresent') return `${variable} ${v ? 'present' : 'absent'}`;
    if (k.startsWith('Is')) return `${variable} ${k.slice(2).toLowerCase()}: ${String(v)}`;
    const op = OPS[k.replace(/Path$/, '')] ?? k;
    // `…Path` comparisons compare with another path of the input, not with a literal.
    return `${variable} ${op} ${k.endsWith('Path') ? String(v) : JSON.stringify(v)}`;
  }
  return variable;
}
