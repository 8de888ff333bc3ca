export * from './definition';
export * from './documents';
export * from './dr-promotion-workflow';
export * from './input';
export * from './release-definition';
