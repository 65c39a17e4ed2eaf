// tests/clients/node/scenario.js: owns the client-matrix scenario shared by the node-soap and strong-soap rows.
'use strict';
/*
 * The scenario of the client matrix, written once against a small adapter that each node row provides:
 *
 *   adapter.client            e.g. "node-soap soap11" (labels failures)
 *   adapter.call(op, args)    a Promise of the client's parsed response object; rejects with the client's own
 *                             error for a SOAP Fault (args are the request's children, in WSDL order)
 *   adapter.fault(err)        { code, reason, errorResponse, httpStatus } read from the client's error object
 *   adapter.lastHttpStatus()  HTTP status of the last reply
 *   adapter.lastContentType() Content-Type of the last reply
 *
 * Steps: login, create, get, list, update, block, unblock, delete, then two failures (GetUser of the deleted user: a
 * SOAP Fault, and the same call with fault_incompat=1 answered status=failure), then logout. Every check reads the
 * client's objects, never the XML. Resolves when every step passed, rejects with the first failed check.
 */
const assert = require('node:assert/strict');

const USER_PASSWORD = 'matrix-user-pw-1';
const PHONE = '+1 555 010 0100';

/** A repeated element as an array (the node clients give one occurrence as a bare object). */
function list(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function expectSuccess(what, resp) {
  assert.equal(resp.status, 'success', `${what}: status`);
  assert.equal(typeof resp.job_id, 'number', `${what}: job_id should be read as a number`);
  const msgs = list(resp.msgs);
  assert.ok(msgs.length > 0 && msgs[0].lvl === 'INFO', `${what}: expected an INFO message: ${JSON.stringify(msgs)}`);
}

function expectError(what, msgs, errCd, infoPrefix) {
  msgs = list(msgs);
  assert.ok(msgs.length > 0, `${what}: no msgs`);
  assert.equal(msgs[0].lvl, 'ERROR', `${what}: lvl`);
  assert.equal(msgs[0].err_cd, errCd, `${what}: err_cd`);
  assert.ok(String(msgs[0].info).startsWith(infoPrefix), `${what}: info ${msgs[0].info}`);
}

async function run(adapter, { prefix, customer, user, password, soap12 }) {
  const session = await adapter.call('SessionLogin', { user_name: user, customer_name: customer, password });
  expectSuccess('SessionLogin', session);
  const token = session.data && session.data.token;
  assert.ok(token, 'SessionLogin: no token');
  const mediaType = soap12 ? 'application/soap+xml' : 'text/xml';
  assert.ok(String(adapter.lastContentType()).startsWith(mediaType), `reply Content-Type ${adapter.lastContentType()}`);

  const name = `${prefix}u1`;
  const created = await adapter.call('CreateUser', {
    token, user_name: name, password: USER_PASSWORD, group_name: ['DEFAULT'],
    nickname: 'Node', first_name: 'No', last_name: 'De', phone: PHONE,
    email: `${name}@example.org`, organization: 'Matrix Org',
  });
  expectSuccess('CreateUser', created);
  assert.equal(created.data.user_name, name, 'CreateUser: user_name');
  assert.equal(created.data.status, 'active', 'CreateUser: status');
  assert.equal(created.data.version, 1, 'CreateUser: version');
  assert.equal(created.data.active, true, 'CreateUser: active should be read as a boolean');

  const got = await adapter.call('GetUser', { token, user_name: name });
  expectSuccess('GetUser', got);
  assert.equal(got.data.user_id, created.data.user_id, 'GetUser: user_id');
  assert.equal(got.data.email, `${name}@example.org`, 'GetUser: email');
  assert.equal(got.data.phone, PHONE, 'GetUser: phone');
  assert.deepEqual(list(got.data.group_name), ['DEFAULT'], 'GetUser: group_name');
  assert.equal(got.data.city, undefined, 'GetUser: city should be absent');

  const listed = await adapter.call('GetUsers', { token, search: prefix });
  expectSuccess('GetUsers', listed);
  assert.deepEqual(list(listed.data).map((u) => u.user_name), [name], `GetUsers(search=${prefix})`);

  // null is how these clients write xsi:nil, which clears the field.
  const updated = await adapter.call('UpdateUser', { token, user_name: name, phone: null, city: 'Paris' });
  expectSuccess('UpdateUser', updated);
  assert.equal(updated.data.city, 'Paris', 'UpdateUser: city');
  assert.equal(updated.data.phone, undefined, 'UpdateUser: phone should be cleared');
  assert.equal(updated.data.version, 2, 'UpdateUser: version');

  const blocked = await adapter.call('BlockUser', { token, user_name: name });
  expectSuccess('BlockUser', blocked);
  assert.equal(blocked.data.status, 'blocked', 'BlockUser: status');

  const unblocked = await adapter.call('UnblockUser', { token, user_name: name });
  expectSuccess('UnblockUser', unblocked);
  assert.equal(unblocked.data.status, 'active', 'UnblockUser: status');

  expectSuccess('DeleteUser', await adapter.call('DeleteUser', { token, user_name: name }));

  // Failure 1: the deleted user is NOT_FOUND, a SOAP Fault read from the client's error object.
  let refused;
  try {
    const answer = await adapter.call('GetUser', { token, user_name: name });
    assert.fail(`GetUser of a deleted user: expected a fault, got ${JSON.stringify(answer)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    refused = adapter.fault(err);
  }
  assert.ok(String(refused.code).endsWith(soap12 ? 'Sender' : 'Client'), `fault: code ${refused.code}`);
  assert.ok(refused.errorResponse, 'fault: no ErrorResponse in the detail');
  assert.equal(refused.errorResponse.status, 'failure', 'fault: ErrorResponse status');
  assert.equal(typeof refused.errorResponse.job_id, 'number', 'fault: job_id should be read as a number');
  expectError('fault', refused.errorResponse.msgs, 'NOT_FOUND', 'user_name: ');
  assert.equal(refused.reason, list(refused.errorResponse.msgs)[0].info, 'fault: reason');
  assert.equal(refused.httpStatus, soap12 ? 400 : 500, 'fault: HTTP status');

  // Failure 2: the same call with fault_incompat=1 is a normal response with status=failure.
  const missing = await adapter.call('GetUser', { token, fault_incompat: 1, user_name: name });
  assert.equal(missing.status, 'failure', 'fault_incompat=1: status');
  expectError('fault_incompat=1', missing.msgs, 'NOT_FOUND', 'user_name: ');
  assert.equal(missing.data, undefined, 'fault_incompat=1: unexpected data');
  assert.equal(adapter.lastHttpStatus(), 200, 'fault_incompat=1: HTTP status');

  expectSuccess('SessionLogout', await adapter.call('SessionLogout', { token }));
}

/** Command line shared by both rows: node matrix.js soap11|soap12 WSDL PORT ENDPOINT PREFIX CUSTOMER USER PASSWORD */
function parseArgs(argv) {
  const [binding, wsdl, port, endpoint, prefix, customer, user, password] = argv.slice(2);
  if (!['soap11', 'soap12'].includes(binding) || !password) {
    console.error('usage: matrix.js soap11|soap12 WSDL PORT ENDPOINT PREFIX CUSTOMER USER PASSWORD');
    process.exit(2);
  }
  return { binding, soap12: binding === 'soap12', wsdl, port, endpoint, prefix, customer, user, password };
}

/** Runs the scenario through makeAdapter(opts) and exits 0 (passed) or 1 (printing the failure). */
function main(clientName, makeAdapter) {
  const opts = parseArgs(process.argv);
  makeAdapter(opts)
    .then((adapter) => run(adapter, opts))
    .then(() => process.exit(0), (err) => {
      console.error(`${clientName} ${opts.binding}: ${err && err.message ? err.message : err}`);
      process.exit(1);
    });
}

module.exports = { run, main, list };
