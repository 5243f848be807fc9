// The reporter of assemblies.js (node --test --test-reporter=./test/security/reporter.js): a dot
// per test (X when it fails), as Node's dot reporter, then every failed test with the names of the
// suites it is in, the assembly and the test file first, and its error.
const { inspect } = require('node:util');

module.exports = async function* reporter(source) {
  const suites = []; // the names of the tests being reported, by nesting level
  const failures = [];
  let count = 0;
  for await (const { type, data } of source) {
    if (type === 'test:start') {
      suites.length = data.nesting;
      suites[data.nesting] = data.name;
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    const error = data.details && data.details.error;
    // A suite whose tests failed fails too; its tests say why.
    const ownFailure = type === 'test:fail' && !(error && error.failureType === 'subtestsFailed');
    if (ownFailure) failures.push({ name: [...suites.slice(0, data.nesting), data.name].join(' > '), error });
    yield type === 'test:fail' ? 'X' : '.';
    if (++count % 20 === 0) yield '\n';
  }
  yield '\n';
  if (failures.length) yield `\nFailed tests (${failures.length}):\n`;
  for (const f of failures) yield `\n✖ ${f.name}\n  ${inspect(f.error && f.error.cause ? f.error.cause : f.error).replace(/\n/g, '\n  ')}\n`;
};
