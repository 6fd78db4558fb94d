'use strict';
// Test plugin built against a future kernel API.
module.exports = { default: { name: 'fuseflow-pass-future-api', version: '9.0.0', apiVersion: 2, kind: 'pass', id: 'future-api', register() {} } };
