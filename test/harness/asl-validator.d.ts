// asl-validator@4 ships no type declarations; this is the part of its API the harness uses
// (node_modules/asl-validator/dist/src/validator.js, src/types.ts).
declare module 'asl-validator' {
  interface StateMachineError {
    /** e.g. `SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET`. */
    readonly 'Error code': string;
    readonly Message: string;
    readonly schemaError?: { readonly instancePath: string; readonly schemaPath: string };
  }
  interface ValidationOptions {
    /** Validate JSONPath expressions in InputPath, ResultPath, … (default true). */
    readonly checkPaths: boolean;
    /** Validate that Task `Resource` values are ARNs (default true). */
    readonly checkArn: boolean;
  }
  interface ValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly StateMachineError[];
    errorsText(separator?: string): string;
  }
  /** Validates an ASL definition. Note: it writes a default `QueryLanguage` into every state of its argument. */
  function validator(definition: unknown, options?: ValidationOptions): ValidationResult;
  export = validator;
}
