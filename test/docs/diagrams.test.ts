import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { withDiagram, workflowDiagram } from '../../cli/graph';

const ROOT = path.join(__dirname, '..', '..');
const CONFIG = path.join(ROOT, 'infra', 'config', 'example.json');

describe.each([
  'instance-recovery',
  'mirror-failover',
  'snapshot-backup',
  'snapshot-backup-instance',
  'snapshot-backup-rescue',
  'dr-promotion',
  'dr-promotion-release',
])('docs/workflows/%s.md', (workflow) => {
  it('embeds the diagram generated from the synthesized ASL (run `npm run docs` after changing the workflow)', () => {
    const file = path.join(ROOT, 'docs', 'workflows', `${workflow}.md`);
    const page = readFileSync(file, 'utf8');
    expect(page).toBe(withDiagram(page, workflowDiagram(workflow, CONFIG), file));
  });
});

describe('workflowDiagram', () => {
  it('draws Choice rules with their conditions and Catch edges dashed', () => {
    const diagram = workflowDiagram('instance-recovery', CONFIG);
    expect(diagram).toMatch(/^flowchart TD/);
    expect(diagram).toMatch(/\{"Is the instance protected\?"\}/);
    expect(diagram).toMatch(/-->\|"\$\.inspection\.value\.protected == true"\|/);
    expect(diagram).toMatch(/-\.->\|"DynamoDB\.ConditionalCheckFailedException"\|/);
  });
});

describe('workflowDiagram --format svg', () => {
  it('draws every state as a labelled box and every edge as a path, Catch edges dashed', () => {
    const svg = workflowDiagram('instance-recovery', CONFIG, 'svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
    expect(svg).toContain('>Take the group lock</text>');
    expect(svg).toContain('>Recovery complete</text>');
    expect(svg).toMatch(/stroke-dasharray="5,4"[^>]*><title>DynamoDB\.ConditionalCheckFailedException<\/title>/);
    const states = (svg.match(/<rect /g) ?? []).length;
    expect(states).toBeGreaterThan(30);
  });
});
