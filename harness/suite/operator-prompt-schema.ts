import type { JsonSchema } from '../json-schema';

/**
 * An operator step as a suite writes it (a test's `prompt`, a migration's cable move): what to
 * do, how long to wait, and the answer that confirms. harness/cli/operator-prompt.ts asks it.
 */
export function operatorPromptSchema(description: string): JsonSchema {
  return {
    type: 'object',
    description,
    properties: {
      message: { type: 'string', minLength: 1, description: 'What the operator must do, e.g. "Move the ECR cable from COM1 to the USB port, then type done".' },
      timeoutMs: { type: 'integer', minimum: 1000, description: 'How long to wait for the answer; default: no limit.' },
      expect: { type: 'string', description: 'The answer that confirms (case-insensitive); default: any answer, Enter included.' },
    },
    required: ['message'],
    additionalProperties: false,
  };
}
