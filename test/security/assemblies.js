// The security proof over several cloud assemblies in one Node process: every test file of this
// directory (*.test.js), once per assembly of CDK_OUTS (directories separated by spaces), each
// under a suite named after the assembly and the file, so that a failure names both. One process
// loads aws-cdk-lib, the rule packs and the simulator once, where `node --test` over the files
// starts one process per file and assembly (make test-config runs one of these per core).
//   CDK_OUTS="cdk.out.matrix/one-region cdk.out.matrix/largest" node --test test/security/assemblies.js
const { describe } = require('node:test');
const fs = require('node:fs');

const dirs = (process.env.CDK_OUTS || '').split(/\s+/).filter(Boolean);
if (!dirs.length) throw new Error('CDK_OUTS names no assembly directory');
const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
if (!files.length) throw new Error(`no *.test.js in ${__dirname}`);

for (const dir of dirs) {
  describe(dir, () => {
    for (const file of files) {
      // A test file reads CDK_OUT when it loads: each assembly loads it afresh (the modules it
      // requires stay loaded).
      describe(file, () => {
        process.env.CDK_OUT = dir;
        const resolved = require.resolve(`./${file}`);
        delete require.cache[resolved];
        require(resolved);
      });
    }
  });
}
