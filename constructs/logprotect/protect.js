// Custom::LogGroupDeletionProtection (constructs/logprotect): Create and Update turn on the deletion
// protection of the log group LogGroupName, Delete turns it off. PhysicalResourceId = the log
// group's name.
// CloudWatch Logs API reference, PutLogGroupDeletionProtection: {logGroupIdentifier (name or ARN),
// deletionProtectionEnabled}; errors include ResourceNotFoundException. CloudWatch Logs user guide,
// "Protecting log groups from deletion": deleting a protected log group fails with "Cannot delete
// log group with deletion protection enabled. Disable deletion protection first."
// A handler that serves this type appends this source to its own and calls
// logGroupProtection(event, logs), where logs.call(operation, params) sends a CloudWatch Logs
// command (@aws-sdk/client-cloudwatch-logs).
async function logGroupProtection(e, logs) {
  const name = e.ResourceProperties.LogGroupName;
  if (!name) throw new Error('Custom::LogGroupDeletionProtection needs the property LogGroupName');
  if (e.RequestType !== 'Delete') {
    await logs.call('PutLogGroupDeletionProtection', { logGroupIdentifier: name, deletionProtectionEnabled: true });
    return { id: name, data: { LogGroupName: name } };
  }
  // A Delete under another ID is the rollback of a create that failed before protecting anything.
  if (e.PhysicalResourceId !== name) return { id: e.PhysicalResourceId };
  try {
    await logs.call('PutLogGroupDeletionProtection', { logGroupIdentifier: name, deletionProtectionEnabled: false });
  } catch (err) {
    const missing = err && (err.name === 'ResourceNotFoundException' || err.__type === 'ResourceNotFoundException');
    if (!missing) throw err;
  }
  return { id: name };
}

module.exports.logGroupProtection = logGroupProtection;
