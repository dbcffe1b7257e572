#!/usr/bin/env node
// A recording HTTP/2 peer on node's built-in http2 module (no npm packages):
// it answers /grpc.health.v1.Health/Check like a health server and writes what
// the client sent -- every request header and the raw request body -- to a
// JSON-lines log, so tests can check the shape of lprobe's request
// (:path, :authority, te, content-type, grpc-timeout, user-agent,
// grpc-accept-encoding, the length-prefixed HealthCheckRequest ...).
//
// Options:
//   --host H --port N     listen address (127.0.0.1, port 0 = free port)
//   --log FILE            append {"headers": {...}, "body_hex": "..."} per request
//   --status N            HealthCheckResponse.status to answer (default 1 SERVING)
//   --gzip-response       gzip the response message when the request's
//                         grpc-accept-encoding lists gzip
//
// Prints "READY <port>"; stops when stdin closes or on SIGTERM/SIGINT.
'use strict';

const fs = require('fs');
const http2 = require('http2');
const zlib = require('zlib');

const o = { host: '127.0.0.1', port: 0, log: null, status: 1, gzipResponse: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  switch (argv[i]) {
    case '--host': o.host = argv[++i]; break;
    case '--port': o.port = parseInt(argv[++i], 10); break;
    case '--log': o.log = argv[++i]; break;
    case '--status': o.status = parseInt(argv[++i], 10); break;
    case '--gzip-response': o.gzipResponse = true; break;
    default:
      process.stderr.write(`unknown argument ${argv[i]}\n`);
      process.exit(2);
  }
}

function lengthPrefixed(msg, compressed) {
  const head = Buffer.alloc(5);
  head.writeUInt8(compressed ? 1 : 0, 0);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const chunks = [];
  let size = 0;
  stream.on('data', (c) => {
    if (size < 65536) chunks.push(c);
    size += c.length;
  });
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    const plain = {};
    for (const k of Object.keys(headers)) plain[k] = headers[k];
    if (o.log) {
      fs.appendFileSync(o.log, JSON.stringify({ headers: plain, body_hex: body.toString('hex') }) + '\n');
    }
    const accept = String(headers['grpc-accept-encoding'] || '').split(',').map((s) => s.trim());
    const gz = o.gzipResponse && accept.includes('gzip');
    const msg = o.status === 0 ? Buffer.alloc(0) : Buffer.from([0x08, o.status]);
    const resHeaders = { ':status': 200, 'content-type': 'application/grpc' };
    if (gz) resHeaders['grpc-encoding'] = 'gzip';
    stream.respond(resHeaders, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(lengthPrefixed(gz ? zlib.gzipSync(msg) : msg, gz));
  });
  stream.on('error', () => {});
});
server.on('sessionError', () => {});

server.listen(o.port, o.host, () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});

const stop = () => {
  server.close();
  setTimeout(() => process.exit(0), 50).unref();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
