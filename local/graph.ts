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

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly dashed?: boolean;
}

/** Every state (nested ones too) and every edge: Next, Choice rules, Default, Catch (dashed), Map/Parallel bodies. */
function graphOf(definition: AslDefinition): { nodes: Map<string, AslState>; edges: Edge[]; start: string } {
  const nodes = new Map<string, AslState>();
  const edges: Edge[] = [];
  const visit = (d: AslDefinition) => {
    for (const [name, s] of Object.entries(d.States)) {
      nodes.set(name, s);
      if (typeof s.Next === 'string') edges.push({ from: name, to: s.Next });
      for (const rule of (s.Choices as Record<string, unknown>[] | undefined) ?? []) {
        edges.push({ from: name, to: String(rule.Next), label: describeRule(rule) });
      }
      if (typeof s.Default === 'string') edges.push({ from: name, to: s.Default, label: 'otherwise' });
      for (const c of (s.Catch as { ErrorEquals: string[]; Next: string }[] | undefined) ?? []) {
        edges.push({ from: name, to: c.Next, label: c.ErrorEquals.join(', '), dashed: true });
      }
      const inner = (s.ItemProcessor ?? s.Iterator) as AslDefinition | undefined;
      for (const b of [...(s.Branches ?? []), ...(inner ? [inner] : [])]) {
        edges.push({ from: name, to: b.StartAt, label: s.Type === 'Map' ? 'each item' : 'branch' });
        visit(b);
      }
    }
  };
  visit(definition);
  return { nodes, edges, start: definition.StartAt };
}

const escapeXml = (t: string) =>
  t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Renders the ASL as a standalone SVG: states in rows by their distance from the start (loops drawn back
 * up), Choices as diamonds-in-spirit (amber), Fail red, Succeed green, Catch edges dashed. A plain layered
 * layout with no dependencies, for docs and reviews; Mermaid gives a prettier picture where it renders.
 */
export function toSvg(definition: AslDefinition): string {
  const { nodes, edges, start } = graphOf(definition);
  // Rank = longest distance from the start over forward edges (DFS back edges excluded).
  const back = new Set<Edge>();
  const state = new Map<string, 'open' | 'done'>();
  const out = (n: string) => edges.filter((e) => e.from === n);
  const dfs = (n: string) => {
    state.set(n, 'open');
    for (const e of out(n)) {
      if (state.get(e.to) === 'open') back.add(e);
      else if (!state.has(e.to)) dfs(e.to);
    }
    state.set(n, 'done');
  };
  dfs(start);
  for (const n of nodes.keys()) if (!state.has(n)) dfs(n);
  const rank = new Map<string, number>([[start, 0]]);
  for (let changed = true, guard = 0; changed && guard < nodes.size + 2; guard++) {
    changed = false;
    for (const e of edges) {
      if (back.has(e) || !rank.has(e.from)) continue;
      const r = (rank.get(e.from) as number) + 1;
      if ((rank.get(e.to) ?? -1) < r) {
        rank.set(e.to, r);
        changed = true;
      }
    }
  }
  for (const n of nodes.keys()) if (!rank.has(n)) rank.set(n, 0);
  const rows: string[][] = [];
  for (const n of nodes.keys()) (rows[rank.get(n) as number] ??= []).push(n);
  const H = 34;
  const GAP_Y = 46;
  const GAP_X = 24;
  const width = (n: string) => Math.max(90, n.length * 7 + 24);
  const pos = new Map<string, { x: number; y: number; w: number }>();
  let maxWidth = 0;
  rows.forEach((row, r) => {
    let x = 20;
    for (const n of row ?? []) {
      pos.set(n, { x, y: 20 + r * (H + GAP_Y), w: width(n) });
      x += width(n) + GAP_X;
    }
    maxWidth = Math.max(maxWidth, x);
  });
  const fill: Record<string, string> = {
    Choice: '#fff3cd',
    Fail: '#f8d7da',
    Succeed: '#d1e7dd',
    Wait: '#e2e3e5',
    Task: '#dbeafe',
  };
  const parts: string[] = [];
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + a.w / 2;
    const y1 = a.y + H;
    const x2 = b.x + b.w / 2;
    const y2 = back.has(e) ? b.y + H : b.y;
    const d = back.has(e)
      ? `M${x1},${a.y} C${x1 + 60},${a.y - 30} ${x2 + 60},${y2 + 30} ${x2},${y2}`
      : `M${x1},${y1} L${x2},${y2}`;
    parts.push(
      `<path d="${d}" fill="none" stroke="#555" stroke-width="1.2"${e.dashed ? ' stroke-dasharray="5,4"' : ''} marker-end="url(#arrow)"><title>${escapeXml(e.label ?? '')}</title></path>`,
    );
  }
  for (const [n, s] of nodes) {
    const p = pos.get(n) as { x: number; y: number; w: number };
    parts.push(
      `<g><rect x="${p.x}" y="${p.y}" width="${p.w}" height="${H}" rx="${s.Type === 'Choice' ? 14 : 5}" fill="${fill[s.Type] ?? '#f1f5f9'}" stroke="#333"/>` +
        `<text x="${p.x + p.w / 2}" y="${p.y + H / 2 + 4}" text-anchor="middle" font-family="sans-serif" font-size="12">${escapeXml(n)}</text><title>${s.Type}</title></g>`,
    );
  }
  const height = 40 + rows.length * (H + GAP_Y);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${maxWidth + 80}" height="${height}" viewBox="0 0 ${maxWidth + 80} ${height}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
