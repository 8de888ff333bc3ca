export * from './definition';
export * from './documents';
export * from './input';
export * from './instance-definition';
export * from './rescue-definition';
export * from './snapshot-backup-workflow';
export * from './thaw';
