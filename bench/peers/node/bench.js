#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Node.js side of actio's benchmark cases (no npm packages).
// Usage: node bench.js <case> <N> [--url URL] [--concurrency C] [--expect-len L]
// Prints one JSON line; "ok" comes from the program checking its own result.
'use strict';
const { performance } = require('perf_hooks');
const { Worker } = require('worker_threads');
const http = require('http');

const MASK64 = (1n << 64n) - 1n;
/** The suite's shared PRNG (splitmix64), identical in every peer. */
function* splitmix64(seed) {
  let state = BigInt(seed) & MASK64;
  for (;;) {
    state = (state + 0x9E3779B97F4A7C15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & MASK64;
    yield z ^ (z >> 31n);
  }
}

const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.floor(p * (sorted.length - 1))] : 0;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A minimal promise channel: put/get, optionally bounded. */
class Channel {
  constructor(maxsize = Infinity) {
    this.items = []; this.head = 0; this.maxsize = maxsize;
    this.getters = []; this.putters = [];
  }
  get size() { return this.items.length - this.head; }
  put(x) {
    if (this.getters.length) { this.getters.shift()(x); return Promise.resolve(); }
    if (this.size < this.maxsize) { this.items.push(x); return Promise.resolve(); }
    return new Promise((resolve) => this.putters.push([x, resolve]));
  }
  get() {
    if (this.size > 0) {
      const x = this.items[this.head++];
      if (this.head > 4096) { this.items = this.items.slice(this.head); this.head = 0; }
      if (this.putters.length) { const [y, resolve] = this.putters.shift(); this.items.push(y); resolve(); }
      return Promise.resolve(x);
    }
    if (this.putters.length) { const [y, resolve] = this.putters.shift(); resolve(); return Promise.resolve(y); }
    return new Promise((resolve) => this.getters.push(resolve));
  }
}

/** An async mutex: the peers' "lock". */
class Mutex {
  constructor() { this.locked = false; this.waiters = []; }
  async lock() {
    if (!this.locked) { this.locked = true; return; }
    await new Promise((resolve) => this.waiters.push(resolve));
  }
  unlock() {
    if (this.waiters.length) this.waiters.shift()(); else this.locked = false;
  }
}

const cases = {
  async sleep_tasks(n) {
    const t0 = performance.now();
    const tasks = [];
    for (let i = 0; i < n; i++) tasks.push((async () => { await sleep(1000); return 1; })());
    const results = await Promise.all(tasks);
    const wall = (performance.now() - t0) / 1e3;
    return [results.reduce((a, b) => a + b, 0) === n, wall, n, {}];
  },

  // N sleepers of 10 s: the harness's CPU time is the measure.
  async idle(n) {
    const t0 = performance.now();
    const tasks = [];
    for (let i = 0; i < n; i++) tasks.push((async () => { await sleep(10000); return 1; })());
    const results = await Promise.all(tasks);
    const wall = (performance.now() - t0) / 1e3;
    return [results.reduce((a, b) => a + b, 0) === n, wall, n, {}];
  },

  async call_later(n) {
    const gen = splitmix64(42);
    const delays = new Float64Array(n);
    for (let i = 0; i < n; i++) delays[i] = Number(gen.next().value % 1000001n) / 1e3;
    const late = new Float64Array(n);
    // setTimeout has whole-millisecond resolution and timers of different
    // durations live in separate lists: deadlines closer than 1 ms may swap.
    const resolution = 1;
    let fired = 0, lastDue = -Infinity, inOrder = true, violations = 0, registered = Infinity;
    let finish;
    const done = new Promise((resolve) => { finish = resolve; });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      // setTimeout is relative to the moment of the call (no call_at).
      const due = performance.now() + delays[i];
      setTimeout(() => {
        late[fired++] = performance.now() - due;
        if (due >= registered) {
          if (due < lastDue - resolution) { inOrder = false; violations++; }
          lastDue = due;
        }
        if (fired === n) finish();
      }, delays[i]);
    }
    registered = performance.now();
    await done;
    const wall = (performance.now() - t0) / 1e3;
    late.sort();
    return [inOrder && fired === n, wall, n, {
      p50_late_ms: percentile(late, 0.5), p99_late_ms: percentile(late, 0.99),
      max_late_ms: percentile(late, 1), resolution_ms: resolution,
      registration_s: (registered - t0) / 1e3, order_violations: violations,
    }];
  },

  async ping_pong(n) {
    const requests = new Channel(), replies = new Channel();
    const t0 = performance.now();
    const ponger = (async () => {
      for (;;) {
        const x = await requests.get();
        if (x === null) return;
        await replies.put(x + 1);
      }
    })();
    let ok = true;
    for (let i = 0; i < n; i++) {
      await requests.put(i);
      if ((await replies.get()) !== i + 1) ok = false;
    }
    await requests.put(null);
    await ponger;
    return [ok, (performance.now() - t0) / 1e3, n, {}];
  },

  async gather_trivial(n) {
    const t0 = performance.now();
    const tasks = [];
    for (let i = 0; i < n; i++) tasks.push((async (j) => j)(i));
    const results = await Promise.all(tasks);
    const wall = (performance.now() - t0) / 1e3;
    let ok = true, sum = 0;
    for (let i = 0; i < n; i++) { sum += results[i]; ok = ok && results[i] === i; }
    return [ok && sum === n * (n - 1) / 2, wall, n, {}];
  },

  async executor(n) {
    const workers = 16, blockMs = 5;
    const code = `
      const { parentPort } = require('worker_threads');
      const cell = new Int32Array(new SharedArrayBuffer(4));
      parentPort.on('message', (i) => { Atomics.wait(cell, 0, 0, ${blockMs}); parentPort.postMessage(i); });`;
    const t0 = performance.now();
    const results = new Array(n);
    let next = 0, finished = 0;
    await new Promise((resolve) => {
      const pool = [];
      for (let w = 0; w < workers; w++) {
        const worker = new Worker(code, { eval: true });
        pool.push(worker);
        worker.on('message', (i) => {
          results[i] = i;
          if (++finished === n) { pool.forEach((p) => p.terminate()); resolve(); }
          else if (next < n) worker.postMessage(next++);
        });
        if (next < n) worker.postMessage(next++);
      }
    });
    const wall = (performance.now() - t0) / 1e3;
    const ok = results.every((r, i) => r === i);
    const ideal = n * blockMs / 1e3 / workers;
    return [ok, wall, n, { ideal_s: ideal, ratio_to_ideal: wall / ideal }];
  },

  async queue(n) {
    const q = new Channel(1024);
    const t0 = performance.now();
    const producer = (async () => { for (let i = 0; i < n; i++) await q.put(i); })();
    let ok = true;
    for (let i = 0; i < n; i++) if ((await q.get()) !== i) ok = false;
    await producer;
    return [ok, (performance.now() - t0) / 1e3, n, {}];
  },

  // An async generator drained by one async function into a Channel of 64,
  // consumed by another.
  async generator(n) {
    async function* numbers() { for (let i = 0; i < n; i++) yield i; }
    const ch = new Channel(64);
    const done = {};
    const t0 = performance.now();
    const producer = (async () => {
      for await (const v of numbers()) await ch.put(v);
      await ch.put(done);
    })();
    let ok = true;
    let expect = 0;
    for (;;) {
      const v = await ch.get();
      if (v === done) break;
      if (v !== expect) ok = false;
      expect++;
    }
    await producer;
    return [ok && expect === n, (performance.now() - t0) / 1e3, n, {}];
  },

  async counter(n) {
    const mutex = new Mutex();
    let value = 0;
    const worker = async (delta) => {
      for (let i = 0; i < n; i++) {
        await mutex.lock();
        value += delta;
        mutex.unlock();
        if ((i & 1023) === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const t0 = performance.now();
    await Promise.all([worker(1), worker(-1)]);
    return [value === 0, (performance.now() - t0) / 1e3, 2 * n, {}];
  },

  async http_client(n, opts) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
    let next = 0, good = 0, bad = 0;
    const fetchOnce = () => new Promise((resolve) => {
      http.get(opts.url, { agent }, (res) => {
        let len = 0;
        res.on('data', (chunk) => { len += chunk.length; });
        res.on('end', () => {
          if (res.statusCode === 200 && (opts.expectLen < 0 || len === opts.expectLen)) good++; else bad++;
          resolve();
        });
      }).on('error', () => { bad++; resolve(); });
    });
    const t0 = performance.now();
    const workers = [];
    for (let w = 0; w < opts.concurrency; w++) {
      workers.push((async () => { while (next < n) { next++; await fetchOnce(); } })());
    }
    await Promise.all(workers);
    const wall = (performance.now() - t0) / 1e3;
    agent.destroy();
    return [good === n && bad === 0, wall, n, { bad }];
  },
};

// The http_server case: node's http server until SIGTERM, every request
// answered 200 "Hello, World!" (bench/peers/wrk/serve_and_wrk.py drives it).
function httpServer(port) {
  const http = require('http');
  const body = Buffer.from('Hello, World!');
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
    res.end(body);
  });
  srv.keepAliveTimeout = 60000;
  srv.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => { srv.close(); process.exit(0); });
}

async function main() {
  const [name, nArg, ...rest] = process.argv.slice(2);
  if (name === 'http_server') {
    const at = rest.indexOf('--port');
    httpServer(at >= 0 ? Number(rest[at + 1]) : 0);
    return;
  }
  if (!cases[name] || nArg === undefined) {
    console.error(`usage: bench.js <${Object.keys(cases).join('|')}> <N>`);
    process.exit(2);
  }
  const opts = { url: '', concurrency: 64, expectLen: -1 };
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--url') opts.url = rest[++i];
    else if (rest[i] === '--concurrency') opts.concurrency = Number(rest[++i]);
    else if (rest[i] === '--expect-len') opts.expectLen = Number(rest[++i]);
    else { console.error(`unknown option ${rest[i]}`); process.exit(2); }
  }
  const n = Number(nArg);
  const [ok, wall, ops, detail] = await cases[name](n, opts);
  console.log(JSON.stringify({ case: name, impl: 'node', n, ok, wall_s: wall,
    ops_per_s: wall > 0 ? ops / wall : 0, detail }));
}

main();
