import { Duration } from 'aws-cdk-lib';

/** Pause between two reads of the primary's health in a target group. */
export const HEALTHY_POLL_INTERVAL = Duration.seconds(5);
/**
 * Pause between two reads while the load balancer is still registering the primary (`initial`,
 * `Elb.RegistrationInProgress`): an NLB takes minutes to register a target before its first health check
 * (docs/latency-model.md §2), so reading and probing every 5 s would only add calls. A multiple of
 * HEALTHY_POLL_INTERVAL: it counts as that many checks, so the healthy timeout still bounds the loop.
 */
export const REGISTRATION_POLL_INTERVAL = Duration.seconds(30);
/**
 * How many rounds (probe → switch → wait healthy → probe before release) one execution may go before it gives up
 * with PrimaryKeepsMoving: a primary that moves again after each of three switches needs a person.
 */
export const MAX_SWITCH_ROUNDS = 3;
/** How many times an execution tries to take the lock or hand its event to the holder before MirrorSetBusy. */
export const MAX_LOCK_ATTEMPTS = 3;
/**
 * The attribute of the mirror set's lock item where an execution that found the lock held names itself: the holder
 * releases the lock only while it is absent (cleared just before its last probe).
 */
export const HAND_OFF_ATTRIBUTE = 'eventHandedOverBy';
