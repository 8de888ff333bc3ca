export * from './definition';
export * from './input';
export * from './mirror-failover-workflow';
