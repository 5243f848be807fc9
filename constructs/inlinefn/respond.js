// Wrapper of sessionaudit's inline custom resource handlers (appended to each handler's source by
// inlinefn.New). The handler defines run(event, client) -> {id, data} and client().
const send = (e, Status, PhysicalResourceId, Data, Reason) => new Promise((ok, fail) => {
  const body = JSON.stringify({ Status, Reason, PhysicalResourceId, StackId: e.StackId, RequestId: e.RequestId, LogicalResourceId: e.LogicalResourceId, Data });
  const u = new URL(e.ResponseURL);
  const r = require(u.protocol === 'http:' ? 'http' : 'https').request(u, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => { res.resume(); res.on('end', ok); });
  r.on('error', fail);
  r.end(body);
});
exports.handler = async (e) => {
  try {
    const r = await run(e, client());
    await send(e, 'SUCCESS', r.id, r.data || {});
  } catch (err) {
    console.error(err);
    await send(e, 'FAILED', e.PhysicalResourceId || 'failed-' + e.RequestId, {}, String((err && err.message) || err).slice(0, 400));
  }
};
