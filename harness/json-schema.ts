/** A JSON Schema (draft 2020-12) as a plain object: the one type every schema source uses. */
export type JsonSchema = Record<string, unknown>;
