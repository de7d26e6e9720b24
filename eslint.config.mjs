import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', 'coverage/**', '.scratch/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Layer boundaries (ARCHITECTURE.md): transports and framers move bytes and never know
    // about reports; test kinds get channels from the runner and never import a concrete transport.
    files: ['harness/transports/**/*.ts', 'harness/framing/**/*.ts', 'harness/protocols/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/reports/**', '**/runner/**', '**/kinds/**'], message: 'lower layers must not depend on runner, kinds or reports' }] }],
    },
  },
  {
    files: ['harness/kinds/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/transports/tcp*', '**/transports/virtual*', '**/transports/serial*', '**/transports/usb*'], message: 'test kinds talk to channels, never to a concrete transport' }] }],
    },
  },
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly', module: 'writable', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
