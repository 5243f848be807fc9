// Runs the cdk-nag rule packs (AwsSolutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1)
// over every template in a cloud assembly directory and returns the findings that are not
// acknowledged.
//
// Acknowledgments live in the Go code next to each resource (package acknowledge) and reach the
// template as Metadata.cdk_nag.rules_to_suppress ([{id, reason}]); this harness turns each into
// cdk-nag v3's Validations.of(resource).acknowledge({id, reason}). An id may name one finding,
// such as "AwsSolutions-IAM5[Resource::arn:…]".
// The CloudFormation validator already ran on these templates in `make synth`.
process.env.CDK_VALIDATION = 'false';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { App, Stack, Validations, DefaultStackSynthesizer } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks, PCIDSS321Checks } = require('cdk-nag');

const PACKS = [AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks, PCIDSS321Checks];

// acknowledgments returns the template's acknowledgments: [{stack, resource, id, reason}].
function acknowledgments(stackName, template) {
  const out = [];
  for (const [logicalId, res] of Object.entries(template.Resources || {})) {
    const rules = res.Metadata && res.Metadata.cdk_nag && res.Metadata.cdk_nag.rules_to_suppress;
    for (const r of rules || []) out.push({ stack: stackName, resource: logicalId, id: r.id, reason: r.reason });
  }
  return out;
}

// templates reads every *.template.json of dir: [{name, template}].
// The app moves each template's acknowledgments into <stack>.acknowledgments.json next to it
// (constructs/acknowledge, Extract); they go back where cdk-nag reads them, Metadata.cdk_nag.
function templates(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort().map((f) => {
    const name = f.replace(/\.template\.json$/, '');
    const template = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    const acksFile = path.join(dir, name + '.acknowledgments.json');
    const acks = fs.existsSync(acksFile) ? JSON.parse(fs.readFileSync(acksFile, 'utf8')) : {};
    for (const [id, nag] of Object.entries(acks)) {
      const r = (template.Resources || {})[id];
      if (!r) throw new Error(`${acksFile}: acknowledgments for ${id}, which ${name} does not have`);
      r.Metadata = { ...(r.Metadata || {}), cdk_nag: nag };
    }
    return { name, template };
  });
}

// check runs the packs over the given templates and returns {findings, acks}; findings are
// [{pack, rule, stack, resource, severity}].
function check(list) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-nag-'));
  const outdir = path.join(tmp, 'out');
  const app = new App({ outdir });
  const acks = [];
  for (const { name, template } of list) {
    const file = path.join(tmp, name + '.json');
    fs.writeFileSync(file, JSON.stringify(template));
    const stack = new Stack(app, name, { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }), analyticsReporting: false });
    const included = new CfnInclude(stack, 'Template', { templateFile: file });
    for (const a of acknowledgments(name, template)) {
      acks.push(a);
      Validations.of(included.getResource(a.resource)).acknowledge({ id: a.id, reason: a.reason });
    }
  }
  for (const Pack of PACKS) Validations.of(app).addPlugins(new Pack(app));
  const quiet = console.error;
  console.error = () => {}; // the plugins print every finding; the report below has them all
  try {
    app.synth();
  } catch (e) {
    if (!/Validation/i.test(String(e))) throw e;
  } finally {
    console.error = quiet;
  }
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  const findings = [];
  for (const p of report.pluginReports) {
    for (const v of p.violations) {
      for (const c of v.violatingConstructs) {
        const [stack, , resource] = c.constructPath.split('/');
        findings.push({ pack: p.pluginName, rule: v.ruleName, stack, resource, severity: v.severity });
      }
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return { findings, acks };
}

module.exports = { check, templates, acknowledgments, PACKS };

// node nag.js [cdk.out] prints the findings and every acknowledgment with its reason.
if (require.main === module) {
  const { findings, acks } = check(templates(process.argv[2] || path.join(__dirname, '..', '..', 'cdk.out')));
  for (const f of findings) console.log(`FINDING ${f.rule} on ${f.stack}/${f.resource}`);
  for (const a of acks) console.log(`ACK ${a.stack}/${a.resource} ${a.id}: ${a.reason}`);
  console.log(`${findings.length} unacknowledged findings, ${acks.length} acknowledgments`);
}
