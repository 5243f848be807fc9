// ESLint for the inline Lambda handlers and the JavaScript tests (make lint).
const js = require('@eslint/js');
const globals = require('globals');

module.exports = [
  { ignores: ['**/node_modules/**', 'cdk.out/**', 'examples/*/cdk.out/**'] },
  js.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'commonjs', globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always'],
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  // A custom resource handler defines run() and client(); inlinefn appends respond.js, which calls
  // them (one ZipFile): the handler's client() is used there, respond.js's run() and client() are
  // the handler's.
  { files: ['constructs/*/handler.js', 'constructs/logprotect/standalone.js'], rules: { 'no-unused-vars': ['error', { varsIgnorePattern: '^client$', argsIgnorePattern: '^_', caughtErrors: 'none' }] } },
  // logprotect's protect.js is appended to the handlers that serve its resource type and defines
  // logGroupProtection for them.
  { files: ['constructs/sessionprefs/handler.js', 'constructs/logprotect/standalone.js'], languageOptions: { globals: { logGroupProtection: 'readonly' } } },
  { files: ['constructs/inlinefn/respond.js'], languageOptions: { globals: { run: 'readonly', client: 'readonly' } } },
];
