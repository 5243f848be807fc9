// Loads a handler for its tests. Normally the readable source; with SHIPPED=1, the code that ships:
// the ZipFile of the golden templates (test/testdata, kept equal to the synthesized templates by the
// Go tests) that holds this source stripped as inlinefn strips it (trimmed lines, no blank or
// comment lines), with the custom resource wrapper when it has one. `make test-js` runs every
// handler test both ways.
const fs = require('node:fs');
const path = require('node:path');

const strip = (code) => code.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('//')).join('\n') + '\n';

module.exports = function load(file) {
  if (!process.env.SHIPPED) return require(file);
  const stripped = strip(fs.readFileSync(file, 'utf8'));
  const dir = path.join(__dirname, '..', '..', 'test', 'testdata');
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    for (const r of Object.values(template.Resources || {})) {
      const code = r.Type === 'AWS::Lambda::Function' && r.Properties.Code && r.Properties.Code.ZipFile;
      if (typeof code === 'string' && code.startsWith(stripped)) {
        const m = { exports: {} };
        new Function('require', 'exports', 'module', '__filename', '__dirname', code)(require, m.exports, m, file, path.dirname(file));
        return m.exports;
      }
    }
  }
  throw new Error('no ZipFile in test/testdata holds the stripped ' + file);
};
