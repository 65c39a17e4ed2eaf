// tests/clients/node-soap/matrix.js: owns the node-soap row of the client matrix (adapter for ../node/scenario.js).
'use strict';
// Usage: node matrix.js soap11|soap12 WSDL PORT ENDPOINT PREFIX CUSTOMER USER PASSWORD
// (NODE_PATH=tests/clients/node/node_modules, as run.sh sets it)
const soap = require('soap');
const { main } = require('../node/scenario');

main('node-soap', async (opts) => {
  // disableCache: node-soap's WSDL cache shares options (forceSoap12Headers) between clients of one file.
  const client = await soap.createClientAsync(opts.wsdl, {
    endpoint: opts.endpoint, forceSoap12Headers: opts.soap12, disableCache: true,
  });
  const service = Object.keys(client.describe())[0];
  const port = client[service][opts.port];
  if (!port) throw new Error(`no port ${opts.port} in ${service}`);
  let lastStatus = null;
  let lastType = null;
  client.on('response', (_body, response) => {
    lastStatus = response && response.status;
    lastType = response && response.headers && response.headers['content-type'];
  });
  return {
    call(op, args) {
      // Per-port methods take callbacks only (only the top-level ones have *Async twins).
      return new Promise((resolve, reject) => port[op](args, (err, result) => (err ? reject(err) : resolve(result))));
    },
    fault(err) {
      // node-soap parses the fault envelope into err.root; a 1.2 fault has Code/Reason instead of faultcode.
      const fault = err.root && err.root.Envelope && err.root.Envelope.Body && err.root.Envelope.Body.Fault;
      if (!fault) throw err;
      const code = opts.soap12 ? fault.Code && fault.Code.Value : fault.faultcode;
      const reason = opts.soap12 ? fault.Reason && fault.Reason.Text : fault.faultstring;
      const detail = opts.soap12 ? fault.Detail : fault.detail;
      return {
        code, reason: typeof reason === 'object' ? reason.$value : reason,
        errorResponse: detail && detail.ErrorResponse, httpStatus: err.response && err.response.status,
      };
    },
    lastHttpStatus: () => lastStatus,
    lastContentType: () => lastType,
  };
});
