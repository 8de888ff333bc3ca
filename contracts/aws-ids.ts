import { z } from 'zod';

/**
 * AWS identifiers and names as the configuration accepts them, each defined once: the configuration schema
 * (infra/config/schema.ts) and the shapes in contracts/ build on them. Each message says what is allowed.
 */

export const vpcId = z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id such as "vpc-0123456789abcdef0"');

export const instanceId = z
  .string()
  .regex(/^i-[0-9a-f]{8,17}$/, 'must be an instance id such as "i-0123456789abcdef0"');

export const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id');

export const availabilityZone = z
  .string()
  .regex(/^[a-z]{2}-[a-z]+-\d[a-z]$/, 'must be an AZ name such as "eu-west-1a"');

export const targetGroupArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^/]+\/[0-9a-f]+$/,
    'must be a target group ARN',
  );

/** A name the configuration gives something (a recovery group, a mirror set): usable in ids, tags and resource names. */
export const configId = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, `must be a ${what}: 1-63 letters, digits, '.', '_' or '-'`);
