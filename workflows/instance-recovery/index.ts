export * from './definition';
export * from './input';
export * from './instance-recovery-workflow';
