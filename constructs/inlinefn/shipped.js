// Loads a handler for its tests. Normally the readable source; with SHIPPED=1, the code that ships:
// the ZipFile of the golden templates (test/testdata, kept equal to the synthesized templates by the
// Go tests) that holds this source stripped as inlinefn strips it (trimmed lines, no blank or
// comment lines), with the custom resource wrapper when it has one. load(file, ...appended) loads
// a handler whose Go side appends other sources to it (as sessionprefs appends constructs/logprotect):
// the readable files joined, or the ZipFile that holds them all. A piece that handlers append is
// found after another source's lines (the whole ZipFile is loaded then). `make test-js` runs every
// handler test both ways.
const fs = require('node:fs');
const path = require('node:path');

const strip = (code) => code.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('//')).join('\n') + '\n';

const evaluate = (code, file) => {
  const m = { exports: {} };
  new Function('require', 'exports', 'module', '__filename', '__dirname', code)(require, m.exports, m, file, path.dirname(file));
  return m.exports;
};

module.exports = function load(file, ...appended) {
  const sources = [file, ...appended].map((f) => fs.readFileSync(f, 'utf8'));
  if (!process.env.SHIPPED) return appended.length ? evaluate(sources.join('\n'), file) : require(file);
  const stripped = strip(sources.join('\n'));
  const dir = path.join(__dirname, '..', '..', 'test', 'testdata');
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    for (const r of Object.values(template.Resources || {})) {
      const code = r.Type === 'AWS::Lambda::Function' && r.Properties.Code && r.Properties.Code.ZipFile;
      if (typeof code === 'string' && (code.startsWith(stripped) || code.includes('\n' + stripped))) {
        return evaluate(code, file);
      }
    }
  }
  throw new Error('no ZipFile in test/testdata holds the stripped ' + [file, ...appended].join(' + '));
};
