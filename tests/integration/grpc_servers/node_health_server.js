#!/usr/bin/env node
// A real grpc.health.v1 server on @grpc/grpc-js + grpc-health-check, for
// lprobe's tests.  The health service is the library's HealthImplementation
// (unknown service -> NOT_FOUND); Check is wrapped only to add the test
// services below and to log each call.
//
//   slow   sleeps --slow-seconds (3 s) before answering SERVING
//   meta   answers SERVING; like every call it is logged to --meta-log
//
// --meta-log FILE appends one JSON object per call:
//   {"server":"node","service":...,"metadata":[[key,value],...],"user_agent":...,"peer":...}
//
// Options (all "--name value"):
//   --host H          TCP listen host (127.0.0.1 default, ::1 for IPv6)
//   --port N          TCP port, 0 = a free port (default)
//   --no-tcp          only the unix socket
//   --unix PATH       also listen on unix:PATH
//   --status S=ST     serving status of a service, repeatable; replaces the default map
//   --config FILE     JSON {"statuses": {service: STATUS}}
//   --no-health       no health service at all (Check -> UNIMPLEMENTED)
//   --slow-seconds N  default 3
//   --meta-log FILE
//   --tls-cert F --tls-key F [--tls-client-ca F]   TLS, and mTLS with a client CA
//   --gzip            ask for gzip responses (grpc-js 1.x sends responses
//                     uncompressed whatever this says; gzip requests are accepted)
//
// Prints "READY <port>" (0 when only a unix socket) on stdout; stops when stdin
// reaches EOF or on SIGTERM/SIGINT.
'use strict';

const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const { HealthImplementation, service: healthService } = require('grpc-health-check');

const DEFAULT_STATUSES = {
  '': 'SERVING',
  svc: 'SERVING',
  'grpc.health.v1.Health': 'SERVING',
  orders: 'NOT_SERVING',
  'unknown-status': 'SERVICE_UNKNOWN',
  slow: 'SERVING',
  meta: 'SERVING',
};

function parseArgs(argv) {
  const o = {
    host: '127.0.0.1', port: 0, noTcp: false, unix: null, status: [], config: null,
    noHealth: false, slowSeconds: 3, metaLog: null, tlsCert: null, tlsKey: null,
    tlsClientCa: null, gzip: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--host': o.host = next(); break;
      case '--port': o.port = parseInt(next(), 10); break;
      case '--no-tcp': o.noTcp = true; break;
      case '--unix': o.unix = next(); break;
      case '--status': o.status.push(next()); break;
      case '--config': o.config = next(); break;
      case '--no-health': o.noHealth = true; break;
      case '--slow-seconds': o.slowSeconds = parseFloat(next()); break;
      case '--meta-log': o.metaLog = next(); break;
      case '--tls-cert': o.tlsCert = next(); break;
      case '--tls-key': o.tlsKey = next(); break;
      case '--tls-client-ca': o.tlsClientCa = next(); break;
      case '--gzip': o.gzip = true; break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  return o;
}

function buildStatuses(o) {
  let statuses = Object.assign({}, DEFAULT_STATUSES);
  if (o.config) {
    statuses = Object.assign({}, JSON.parse(fs.readFileSync(o.config, 'utf8')).statuses || {});
  }
  if (o.status.length) {
    if (!o.config) statuses = {};
    for (const item of o.status) {
      const eq = item.lastIndexOf('=');
      statuses[item.slice(0, eq)] = item.slice(eq + 1);
    }
  }
  return statuses;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  const options = {};
  if (o.gzip) options['grpc.default_compression_algorithm'] = 2; // gzip
  const server = new grpc.Server(options);

  if (!o.noHealth) {
    const health = new HealthImplementation(buildStatuses(o));
    // Capture the library's handlers, then wrap Check.
    let handlers = null;
    health.addToServer({ addService: (_svc, impl) => { handlers = impl; } });
    const libCheck = handlers.check;
    handlers.check = (call, callback) => {
      const svc = call.request.service;
      if (o.metaLog) {
        const md = [];
        const map = call.metadata.getMap();
        for (const k of Object.keys(map)) {
          for (const v of call.metadata.get(k)) {
            md.push([k, Buffer.isBuffer(v) ? v.toString('hex') : String(v)]);
          }
        }
        const ua = call.metadata.get('user-agent');
        fs.appendFileSync(o.metaLog, JSON.stringify({
          server: 'node',
          service: svc,
          metadata: md,
          user_agent: ua.length ? String(ua[0]) : null,
          peer: call.getPeer(),
          deadline: String(call.getDeadline()),
        }) + '\n');
      }
      if (svc === 'slow') {
        const t = setTimeout(() => libCheck(call, callback), o.slowSeconds * 1000);
        call.on('cancelled', () => clearTimeout(t));
        return;
      }
      libCheck(call, callback);
    };
    server.addService(healthService, handlers);
  }

  let creds = grpc.ServerCredentials.createInsecure();
  if (o.tlsCert) {
    const ca = o.tlsClientCa ? fs.readFileSync(o.tlsClientCa) : null;
    creds = grpc.ServerCredentials.createSsl(
      ca,
      [{ cert_chain: fs.readFileSync(o.tlsCert), private_key: fs.readFileSync(o.tlsKey) }],
      !!o.tlsClientCa,
    );
  }

  const bind = (addr) => new Promise((resolve, reject) => {
    server.bindAsync(addr, creds, (err, port) => (err ? reject(err) : resolve(port)));
  });

  (async () => {
    let port = 0;
    if (!o.noTcp) {
      const host = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host;
      port = await bind(`${host}:${o.port}`);
    }
    if (o.unix) {
      try { fs.unlinkSync(o.unix); } catch (_) { /* absent */ }
      await bind(`unix:${o.unix}`);
    }
    // grpc-js >= 1.10 starts serving on bind; start() is deprecated there.
    process.stdout.write(`READY ${port}\n`);
  })().catch((err) => {
    process.stderr.write(`cannot listen: ${err.message}\n`);
    process.exit(1);
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.forceShutdown();
    setTimeout(() => process.exit(0), 50).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

main();
