import { z } from 'zod';
import { instanceId } from './aws-ids';

/**
 * A mirror set: the failover members of one database mirror (and, for dr-promotion, its DR members), each serving a
 * mirror-status page. One shape, in three views:
 * - as configured and as the constructs take it: `mirrorMemberSchema` / `MirrorMember` (instance id and private IPv4
 *   address), `statusPortSchema`, `statusPathSchema` (infra/config `mirrorSets[]` and its `dr`; the `MirrorSet` and
 *   `DrMirrorSet` props);
 * - as the state machines carry it: `MirrorSetSettings` (mirror-failover) and `DrSetSettings` (dr-promotion), whose
 *   members are status pages built by `memberStatusPage`;
 * - as tasks/probe-mirror-members parses each member of its payload: `memberStatusPageSchema`.
 */

/**
 * The default path of the mirror-status page: the Web Gateway's `mirror_status.cxw` (answers `200 SUCCESS` on the
 * primary, `503 FAILED` on every other member). `.cxw` is the extension the Web Gateway reserves for its own pages, so
 * the page is served wherever a Web Gateway is: by the private web server, or by a production web server (Apache,
 * IIS, Nginx) in front of the Web Gateway. Sources in docs/workflows/mirror-failover.md ("The mirror-status page").
 */
export const DEFAULT_STATUS_PATH = '/csp/bin/mirror_status.cxw';
/**
 * The default port, paired with the default path: the private web server of IRIS (52773; Caché: 57772), which serves
 * the Web Gateway's pages on every member of versions that still install it. Versions without it (IRIS 2023.2 and
 * later, new installs) serve the page on the web server in front of the Web Gateway: set `statusPort` to 80.
 */
export const DEFAULT_STATUS_PORT = 52773;

/** A URL path the status page may have (the configuration and the constructs check it alike). */
export const STATUS_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$/;

/** The port of the web server that serves the status page on every member, as configured. */
export const statusPortSchema = z.number().int().min(1).max(65535).default(DEFAULT_STATUS_PORT);

/** The path of the status page, as configured. */
export const statusPathSchema = z
  .string()
  .regex(STATUS_PATH, 'must be a URL path starting with "/"')
  .default(DEFAULT_STATUS_PATH);

/** A member as configured (`mirrorSets[].members[]`, `mirrorSets[].dr.members[]`). */
export const mirrorMemberSchema = z
  .object({
    instanceId,
    address: z.ipv4('must be the private IPv4 address of the instance'),
  })
  .strict();

/** A member of a mirror set, as the constructs take it. */
export interface MirrorMember {
  /** The member's instance: the target registered in the set's target groups. */
  readonly instanceId: string;
  /** Its private IPv4 address: the probe reads `http://<address>:<statusPort><statusPath>`. */
  readonly address: string;
}

/** One member as the state machines carry it and the probe reads it. */
export interface MirrorMemberSettings {
  readonly instanceId: string;
  /** The member's mirror-status page, e.g. `http://10.0.1.10:52773/csp/bin/mirror_status.cxw`. */
  readonly url: string;
}

/** A member's status page (`http://<address>:<port><path>`), as the state machines carry it. */
export function memberStatusPage(member: MirrorMember, port: number, path: string): MirrorMemberSettings {
  return { instanceId: member.instanceId, url: `http://${member.address}:${port}${path}` };
}

/** One member of tasks/probe-mirror-members' payload (its input's `members[]`). */
export const memberStatusPageSchema = z.object({
  instanceId: z.string().regex(/^i-[0-9a-zA-Z]+$/, { error: 'expected an EC2 instance id (i-...)' }),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
});

/** What every state machine that probes a set carries of it: its name and its probe function (in the set's VPC). */
export interface ProbedSetSettings {
  readonly name: string;
  /** The set's probe function (tasks/probe-mirror-members). */
  readonly probeFunctionArn: string;
  /** Seconds one member may take to answer the probe. */
  readonly probeTimeoutSeconds: number;
}

/** One mirror set, as the mirror-failover state machine carries it (the data of "Use mirror set <name>"). */
export interface MirrorSetSettings extends ProbedSetSettings {
  readonly members: readonly MirrorMemberSettings[];
  readonly memberIds: readonly string[];
  readonly targetGroupArns: readonly string[];
  /** `probeWaits[k]`: seconds to wait after the (k+1)-th probe before the next one. */
  readonly probeWaits: readonly number[];
  /** `probeWaits.length + 1`. */
  readonly maxProbes: number;
  /** How many times the primary's health is read (every 5 s) in each target group before giving up. */
  readonly healthyChecks: number;
}

/**
 * One mirror set, as the dr-promotion state machine carries it (tasks/validate-dr-request returns the selected one
 * as `$.set`).
 */
export interface DrSetSettings extends ProbedSetSettings {
  /** The DR members that may be promoted (DR region), with their status pages. */
  readonly drMembers: readonly MirrorMemberSettings[];
  /** The old site's members (primary region), with their status pages. */
  readonly oldMembers: readonly MirrorMemberSettings[];
  readonly oldMemberIds: readonly string[];
  readonly primaryRegion: string;
  /** The deny-all group swapped onto the old members (primary region). */
  readonly denyAllGroupId: string;
  readonly drTargetGroupArns: readonly string[];
  readonly preflightFunctionArn: string;
  readonly queryDocument: string;
  readonly queryParameters: Record<string, string[]>;
  readonly promoteDocument: string;
  readonly promoteParameters: Record<string, string[]>;
  /** Reads of the promotion's result, 5 s apart (its timeout / 5). */
  readonly promotePolls: number;
  /** Checks of the promoted member's status page, 5 s apart. */
  readonly verifyChecks: number;
  readonly maxApprovalTimeoutMinutes: number;
}
