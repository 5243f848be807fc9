// Custom::KeyLookup: resolves a KMS alias ARN (of any account and region the caller may describe)
// to its key's ARN and ID, so templates need no key ID that exists only after another deploy.
function client() {
  const { KMSClient, DescribeKeyCommand } = require('@aws-sdk/client-kms');
  return {
    describeKey: async (arn) => (await new KMSClient({ region: arn.split(':')[3] }).send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata,
  };
}

async function run(e, kms) {
  if (e.RequestType === 'Delete') return { id: e.PhysicalResourceId };
  const arn = e.ResourceProperties.AliasArn;
  if (!/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/.+$/.test(arn || '')) throw new Error('AliasArn must be a KMS alias ARN, got ' + JSON.stringify(arn));
  const key = await kms.describeKey(arn);
  if (key.KeyState === 'PendingDeletion' || key.KeyState === 'Disabled') throw new Error(arn + ' points to a key that is ' + key.KeyState);
  return { id: key.Arn, data: { Arn: key.Arn, KeyId: key.KeyId } };
}

module.exports.run = run;
