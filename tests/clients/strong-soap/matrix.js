// tests/clients/strong-soap/matrix.js: owns the strong-soap row of the client matrix (adapter for ../node/scenario.js).
'use strict';
// Usage: node matrix.js soap11|soap12 WSDL PORT ENDPOINT PREFIX CUSTOMER USER PASSWORD
// (NODE_PATH=tests/clients/node/node_modules, as run.sh sets it)
const soap = require('strong-soap').soap;
const { main } = require('../node/scenario');

main('strong-soap', (opts) => new Promise((resolve, reject) => {
  soap.createClient(opts.wsdl, { endpoint: opts.endpoint }, (err, client) => {
    if (err) return reject(err);
    // client.<Op> picks the LAST port of the service: always go through the explicit service/port.
    const service = Object.keys(client.describe())[0];
    const port = client[service][opts.port];
    if (!port) return reject(new Error(`no port ${opts.port} in ${service}`));
    // Our operations are document/literal with request elements named <Op>Request (not the operation's name), so
    // strong-soap treats them as non-wrapped and wants the arguments keyed by the part's element.
    const elementOf = (op) => Object.keys(client.describe()[service][opts.port][op].input.body)
      .find((key) => key.endsWith('Request')) || `${op}Request`;
    let lastStatus = null;
    let lastType = null;
    client.on('response', (_body, response) => {
      lastStatus = response && response.statusCode;
      lastType = response && response.headers && response.headers['content-type'];
    });
    resolve({
      call(op, args) {
        return new Promise((ok, ko) => port[op]({ [elementOf(op)]: args }, (e, result) => (e ? ko(e) : ok(result))));
      },
      fault(e) {
        const fault = e.root && e.root.Envelope && e.root.Envelope.Body && e.root.Envelope.Body.Fault;
        if (!fault) throw e;
        const code = opts.soap12 ? fault.Code && fault.Code.Value : fault.faultcode;
        const reason = opts.soap12 ? fault.Reason && fault.Reason.Text : fault.faultstring;
        const detail = opts.soap12 ? fault.Detail : fault.detail;
        return {
          code, reason: reason && typeof reason === 'object' ? reason.$value : reason,
          errorResponse: detail && detail.ErrorResponse, httpStatus: e.response && e.response.statusCode,
        };
      },
      lastHttpStatus: () => lastStatus,
      lastContentType: () => lastType,
    });
  });
}));
