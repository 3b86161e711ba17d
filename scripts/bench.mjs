#!/usr/bin/env node
// Runs mfstate-bench (native) and the JS peer harness (bench/js/dist/peers.mjs) alternately for
// several rounds, and reports each workload of WORKLOADS.md side by side: the median of the rounds
// with the spread (min–max), mfstate / floor (the floor is the least hand-written C++ doing the
// same work; mfstate-bench runs it in the same process, alternating which goes first) and
// peer / mfstate, each computed round by round. Also writes the S1 chart (gnuplot) and the raw and
// summarised JSON lines under the output directory.
//
//   node scripts/bench.mjs --bin PATH [--peers PATH] [--rounds N] [--quick] [--json]
//                          [--clock wall|cpu] [--workload ID[,ID...]] [--out DIR]
//   node scripts/bench.mjs --from ROUNDS.jsonl [--json] [--out DIR]   (table and chart of a past run)
//
// scripts/bench.sh builds mfstate-bench and the peer bundle, then calls this (`make bench`).
// No figure is asserted: the exit status is non-zero only when a harness fails or a check inside
// one fails.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const usage = `usage: node scripts/bench.mjs --bin PATH [--peers PATH] [--rounds N] [--quick] [--json]
                                [--clock wall|cpu] [--workload ID[,ID...]] [--out DIR]
  --bin       the mfstate-bench binary
  --peers     the bundled JS peer harness (default bench/js/dist/peers.mjs)
  --rounds    rounds, each running both harnesses once, in alternating order (default 5, 3 with --quick)
  --quick     both harnesses at a tenth of every size
  --json      print one JSON line per workload, impl and size (medians), instead of the table
  --clock     wall (default): elapsed time; cpu: each process's CPU time, for a loaded machine
  --workload  only these workloads (IDs as in WORKLOADS.md; W3 and S1 select their groups)
  --out       where results.jsonl, rounds.jsonl and s1.svg go (default build/bench)
  --from      summarise the rounds.jsonl of an earlier run instead of running (no --bin needed)
  --wasm      the mfstate-wasm harness (@mfstate/core from JavaScript, js/bench/workloads.mjs), run
              each round beside the others; its rows show as mfstate-wasm and peer/wasm`;

function fail(msg, status = 2) {
  console.error(`bench: ${msg}`);
  if (status === 2) console.error(usage);
  process.exit(status);
}

function parseArgs(argv) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const o = { bin: null, peers: path.join(root, 'bench/js/dist/peers.mjs'), rounds: null, quick: false,
    json: false, clock: 'wall', workload: null, from: null, out: path.join(root, 'build/bench') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (a.includes('=')) return a.slice(a.indexOf('=') + 1);
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (name === '--bin') o.bin = value();
    else if (name === '--peers') o.peers = value();
    else if (name === '--rounds') o.rounds = Number(value());
    else if (name === '--workload') o.workload = value();
    else if (name === '--out') o.out = value();
    else if (name === '--clock') o.clock = value();
    else if (name === '--wasm') o.wasm = value();
    else if (name === '--from') o.from = value();
    else if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') { console.log(usage); process.exit(0); }
    else fail(`unknown argument '${a}'`);
  }
  if (o.from) {
    if (!existsSync(o.from)) fail(`no rounds file at ${o.from}`, 1);
  } else {
    if (!o.bin) fail('--bin is required');
    if (!existsSync(o.bin)) fail(`no mfstate-bench at ${o.bin}`, 1);
    if (!existsSync(o.peers)) fail(`no peer harness at ${o.peers} (run bash bench/js/setup.sh)`, 1);
    if (o.wasm && !existsSync(o.wasm)) fail(`no mfstate-wasm harness at ${o.wasm} (run scripts/js.sh)`, 1);
  }
  if (o.clock !== 'wall' && o.clock !== 'cpu') fail(`--clock must be wall or cpu, not '${o.clock}'`);
  if (o.rounds === null) o.rounds = o.quick ? 3 : 5;
  if (!Number.isInteger(o.rounds) || o.rounds < 1) fail('--rounds must be a positive integer');
  return o;
}

// ---------------------------------------------------------------------------
// Running the harnesses

function harnessArgs(o) {
  const args = ['--json'];
  if (o.quick) args.push('--quick');
  if (o.clock !== 'wall') args.push('--clock', o.clock);
  if (o.workload) args.push('--workload', o.workload);
  return args;
}

// Figures only mfstate-bench has, and the workload whose JavaScript figures stand beside them:
// W5-builder writes W5's keys with KeyBuilder, so its peer is W5's (query-core's hashKey); likewise
// W3b-builder and S1-get-builder (W3b's and S1-get's gets with KeyBuilder keys). The JavaScript
// harnesses are asked for W5 (W3b, S1-get) instead (they know no builder figure), and the peer's
// figure is shown on both rows. Ids match case-insensitively, as the harnesses match them.
const JS_PEER_OF = [['W5-builder', 'W5'], ['W3b-builder', 'W3b'], ['S1-get-builder', 'S1-get']];
const peerOf = (id) => JS_PEER_OF.find(([figure]) => figure.toLowerCase() === id.toLowerCase())?.[1];

function jsArgs(args) {
  const i = args.indexOf('--workload');
  if (i < 0) return args;
  const ids = new Set(args[i + 1].split(',').map((id) => peerOf(id) ?? id));
  return [...args.slice(0, i), '--workload', [...ids].join(','), ...args.slice(i + 2)];
}

// The lines of a JavaScript harness asked through jsArgs: a peer-of line (W5) the selection did
// not ask for itself is dropped; the peers' one is repeated for each figure asked that it stands for.
function jsLines(lines, selection, isPeer) {
  const asked = selection ? new Set(selection.split(',').map((id) => id.toLowerCase())) : null;
  // "W3" and "S1" ask for their groups (W3b, W3b-builder, S1-get, ...), as in the harnesses.
  const group = (id) => /^(w3|s1)/i.exec(id)?.[1].toLowerCase();
  const wants = (id) => !asked || asked.has(id.toLowerCase()) || asked.has(group(id));
  const out = [];
  for (const l of lines) {
    for (const [id, peer] of JS_PEER_OF) {
      if (isPeer && l.workload === peer && wants(id)) out.push({ ...l, workload: id });
    }
    if (!JS_PEER_OF.some(([, peer]) => peer === l.workload) || wants(l.workload)) out.push(l);
  }
  return out;
}

// Runs one harness; returns its parsed JSON lines and how long it took.
function runHarness(label, cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) fail(`${label}: ${r.error.message}`, 1);
  // mfstate-bench exits 3 when a selected workload is not in its build: report, keep the rest.
  const missingOnly = label === 'mfstate' && r.status === 3;
  if (r.status !== 0 && !missingOnly) {
    process.stderr.write(r.stderr);
    fail(`${label} exited with status ${r.status ?? r.signal}`, 1);
  }
  if (r.stderr) process.stderr.write(r.stderr.split('\n').filter(Boolean).map((l) => `  ${l}\n`).join(''));
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      fail(`${label} printed a line that is not JSON: ${l}`, 1);
    }
  });
  return { lines, seconds };
}

// ---------------------------------------------------------------------------
// Statistics

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

// A figure is one (workload, size): S1 figures are keyed by their cache size.
const figureKey = (l) => `${l.workload}|${l.entries ?? l.n}`;

const ORDER = ['W1', 'W1b', 'W2', 'W3a', 'W3b', 'W3b-builder', 'W3c', 'W4', 'W5', 'W5-builder', 'W6', 'S1-invalidate',
  'S1-get', 'S1-get-builder', 'S1-bytes'];

function summarise(rounds) {
  // rounds: [{ mfstate: [lines], peer: [lines] }]
  const figs = new Map();
  const slot = (l) => {
    const k = figureKey(l);
    if (!figs.has(k)) {
      figs.set(k, { workload: l.workload, size: l.entries ?? l.n, isS1: l.entries !== undefined,
        mf: [], peer: [], floor: [], mfBytes: [], peerBytes: [], floorBytes: [], ratios: [], bytesRatios: [],
        floorRatios: [], floorBytesRatios: [], peerImpl: null, wasm: [], wasmBytes: [], wasmRatios: [],
        mfN: null, peerN: null });
    }
    return figs.get(k);
  };
  rounds.forEach((round) => {
    const wasmByKey = new Map((round.wasm ?? []).map((l) => [figureKey(l), l]));
    for (const l of round.wasm ?? []) {
      const f = slot(l);
      f.wasm.push(l.ns_per_op);
      f.wasmN = l.n;
      if (l.bytes_per_entry !== undefined) f.wasmBytes.push(l.bytes_per_entry);
    }
    const mine = round.mfstate.filter((l) => l.impl !== 'floor');
    const floors = round.mfstate.filter((l) => l.impl === 'floor');
    const mfByKey = new Map(mine.map((l) => [figureKey(l), l]));
    for (const l of mine) {
      const f = slot(l);
      f.mf.push(l.ns_per_op);
      f.mfN = l.n;
      if (l.bytes_per_entry !== undefined) f.mfBytes.push(l.bytes_per_entry);
    }
    for (const l of floors) {
      const f = slot(l);
      f.floor.push(l.ns_per_op);
      if (l.bytes_per_entry !== undefined) f.floorBytes.push(l.bytes_per_entry);
      const m = mfByKey.get(figureKey(l));
      if (m) {
        f.floorRatios.push(m.ns_per_op / l.ns_per_op);
        if (m.bytes_per_entry !== undefined && l.bytes_per_entry !== undefined) {
          f.floorBytesRatios.push(m.bytes_per_entry / l.bytes_per_entry);
        }
      }
    }
    for (const l of round.peer) {
      const f = slot(l);
      f.peer.push(l.ns_per_op);
      f.peerImpl = l.impl;
      f.peerN = l.n;
      if (l.bytes_per_entry !== undefined) f.peerBytes.push(l.bytes_per_entry);
      const w = wasmByKey.get(figureKey(l));
      if (w) f.wasmRatios.push(l.ns_per_op / w.ns_per_op);
      const m = mfByKey.get(figureKey(l));
      if (m) {
        f.ratios.push(l.ns_per_op / m.ns_per_op);
        if (m.bytes_per_entry !== undefined && l.bytes_per_entry !== undefined) {
          f.bytesRatios.push(l.bytes_per_entry / m.bytes_per_entry);
        }
      }
    }
  });
  const out = [...figs.values()];
  out.sort((a, b) => ORDER.indexOf(a.workload) - ORDER.indexOf(b.workload) || a.size - b.size);
  return out;
}

// ---------------------------------------------------------------------------
// Output

const fmtNs = (ns) => {
  if (ns >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns >= 100) return `${ns.toFixed(0)} ns`;
  return `${ns.toPrecision(3)} ns`;
};
const fmtBytes = (b) => `${b.toFixed(0)} B`;
const fmtRatio = (r) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2));
const fmtSize = (n) => {
  const e = Math.log10(n);
  return Number.isInteger(e) && n >= 1000 ? `1e${e}` : n.toLocaleString('en-US');
};
// "median (min–max)"; the range collapses when there is one round.
function cell(s, fmt) {
  if (!s) return '–';
  if (s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

// Where a figure stands against the goals of issue 13 (reported, never asserted): every workload
// within 2× of its floor in CPU time (instructions per operation, the other half of the goal, come
// from `make bench-profile`); S1 under 10 µs per invalidation and under 200 bytes per entry at 10^6.
function goal(row) {
  const w = row.workload;
  const parts = [];
  if (/^W/.test(w) && row.floorRatio) parts.push(row.floorRatio.median <= 2 ? 'floor ≤2×: met' : 'floor ≤2×: missed');
  if (w === 'S1-invalidate' && row.size >= 1e6 && row.mf) parts.push(row.mf.median < 10_000 ? '<10 µs: met' : '<10 µs: missed');
  if (w === 'S1-bytes' && row.size >= 1e6 && row.mf) parts.push(row.mf.median < 200 ? '<200 B: met' : '<200 B: missed');
  return parts.join('; ');
}

function tableRows(figs) {
  const rows = [];
  for (const f of figs) {
    rows.push({ workload: f.workload, size: f.size, unit: fmtNs, peerImpl: f.peerImpl,
      mf: f.mf.length ? spread(f.mf) : null, peer: f.peer.length ? spread(f.peer) : null,
      floor: f.floor.length ? spread(f.floor) : null,
      ratio: f.ratios.length ? spread(f.ratios) : null,
      floorRatio: f.floorRatios.length ? spread(f.floorRatios) : null,
      wasm: f.wasm.length ? spread(f.wasm) : null, wasmRatio: f.wasmRatios.length ? spread(f.wasmRatios) : null });
  }
  // Bytes per entry: one row per S1 cache size (taken from the S1-invalidate lines).
  for (const f of figs) {
    if (f.workload !== 'S1-invalidate' || (!f.mfBytes.length && !f.peerBytes.length)) continue;
    rows.push({ workload: 'S1-bytes', size: f.size, unit: fmtBytes, peerImpl: f.peerImpl,
      mf: f.mfBytes.length ? spread(f.mfBytes) : null, peer: f.peerBytes.length ? spread(f.peerBytes) : null,
      floor: f.floorBytes.length ? spread(f.floorBytes) : null,
      ratio: f.bytesRatios.length ? spread(f.bytesRatios) : null,
      floorRatio: f.floorBytesRatios.length ? spread(f.floorBytesRatios) : null,
      wasm: f.wasmBytes.length ? spread(f.wasmBytes) : null, wasmRatio: null });
  }
  return rows;
}

function printTable(rows, header) {
  const cols = [
    ['workload', (r) => r.workload],
    ['n', (r) => fmtSize(r.size)],
    ['mfstate', (r) => cell(r.mf, r.unit)],
    ['floor', (r) => cell(r.floor, r.unit)],
    ['mfstate/floor', (r) => (r.floorRatio ? `${cell(r.floorRatio, fmtRatio)}×` : '–')],
    ['peer', (r) => cell(r.peer, r.unit)],
    ['peer package', (r) => r.peerImpl ?? '–'],
    ['peer/mfstate', (r) => (r.ratio ? `${cell(r.ratio, fmtRatio)}×` : '–')],
    ['goal', (r) => goal(r)],
  ];
  if (rows.some((r) => r.wasm)) {
    cols.push(['mfstate-wasm', (r) => cell(r.wasm, r.unit)], ['peer/wasm', (r) => (r.wasmRatio ? `${cell(r.wasmRatio, fmtRatio)}×` : '–')]);
  }
  const cells = rows.map((r) => cols.map(([, f]) => String(f(r))));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => [...c[i]].length)));
  const line = (vals) => '| ' + vals.map((v, i) => v + ' '.repeat(widths[i] - [...v].length)).join(' | ') + ' |';
  console.log(header);
  console.log('');
  console.log(line(cols.map(([h]) => h)));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const c of cells) console.log(line(c));
}

function jsonLines(figs) {
  const out = [];
  const round1 = (x) => Math.round(x * 10) / 10;
  for (const f of figs) {
    for (const [impl, ns, bytes, n] of [['mfstate', f.mf, f.mfBytes, f.mfN], ['floor', f.floor, f.floorBytes, f.mfN],
      [f.peerImpl, f.peer, f.peerBytes, f.peerN], ['mfstate-wasm', f.wasm, f.wasmBytes, f.wasmN]]) {
      if (!ns.length) continue;
      const o = { workload: f.workload, impl, n, ns_per_op: round1(median(ns)) };
      if (f.isS1) {
        o.entries = f.size;
        o.bytes_per_entry = round1(median(bytes));
      }
      out.push(o);
    }
  }
  return out;
}

// S1 chart: time per invalidation and bytes per entry against cache size, log scales.
function chart(figs, outDir) {
  const inv = figs.filter((f) => f.workload === 'S1-invalidate');
  if (!inv.length) return null;
  const has = spawnSync('gnuplot', ['--version'], { encoding: 'utf8' });
  if (has.error || has.status !== 0) {
    console.error('bench: gnuplot not found (apt-get install gnuplot-nox); no chart written');
    return null;
  }
  const med = (xs) => (xs.length ? median(xs) : NaN);
  const dat = ['# entries mfstate_us query_core_us mfstate_bytes query_core_bytes floor_us floor_bytes',
    ...inv.map((f) => [f.size, med(f.mf) / 1e3, med(f.peer) / 1e3, med(f.mfBytes), med(f.peerBytes),
      med(f.floor) / 1e3, med(f.floorBytes)]
      .map((x) => (Number.isNaN(x) ? 'NaN' : String(x))).join(' '))].join('\n') + '\n';
  const datPath = path.join(outDir, 's1.dat');
  const svgPath = path.join(outDir, 's1.svg');
  writeFileSync(datPath, dat);
  const peer = inv.find((f) => f.peerImpl)?.peerImpl ?? 'peer';
  const script = `
set terminal svg size 1000,420 dynamic enhanced font "sans,12" background rgb "white"
set output '${svgPath}'
set datafile missing 'NaN'
set multiplot layout 1,2 title "S1: invalidating one prefix ['user', r] in a cache of N entries ['user', i, 'profile']" noenhanced
set logscale xy
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key top left
set xlabel 'cache size N (entries)'
set xtics ('1k' 1e3, '10k' 1e4, '100k' 1e5, '1M' 1e6, '10M' 1e7)
set format y '%g'
set xrange [${Math.min(...inv.map((f) => f.size)) / 2}:${Math.max(...inv.map((f) => f.size)) * 2}]
set offsets 0, 0, graph 0.05, graph 0.05
set ylabel 'time per invalidation (µs)'
plot '${datPath}' using 1:2 with linespoints lw 2 pt 7 ps 1.2 title 'mfstate' noenhanced, \\
     '' using 1:3 with linespoints lw 2 pt 5 ps 1.2 title '${peer}' noenhanced, \\
     '' using 1:6 with linespoints lw 1 dt 2 pt 6 ps 1 title 'floor (hand-written C++)' noenhanced, \\
     10 with lines lw 1 lc rgb '#999999' title 'goal at 10^6 entries: 10 µs' noenhanced
set ylabel 'memory per entry (bytes)'
plot '${datPath}' using 1:4 with linespoints lw 2 pt 7 ps 1.2 title 'mfstate' noenhanced, \\
     '' using 1:5 with linespoints lw 2 pt 5 ps 1.2 title '${peer}' noenhanced, \\
     '' using 1:7 with linespoints lw 1 dt 2 pt 6 ps 1 title 'floor (hand-written C++)' noenhanced, \\
     200 with lines lw 1 lc rgb '#999999' title 'goal: 200 bytes' noenhanced
unset multiplot
`;
  const r = spawnSync('gnuplot', [], { input: script, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`bench: gnuplot failed: ${r.stderr}`);
    return null;
  }
  return svgPath;
}

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model?.trim() ?? 'cpu'}, node ${process.version}`;
}
const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// ---------------------------------------------------------------------------

function main() {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(o.out, { recursive: true });
  const args = harnessArgs(o);
  const loadBefore = loadavg();
  const started = new Date();
  const rounds = [];
  const raw = [];
  if (o.from) {
    // Re-summarise an earlier run: its lines carry their round number.
    for (const l of readFileSync(o.from, 'utf8').split('\n').filter((x) => x.trim() !== '')) {
      const { round, ...line } = JSON.parse(l);
      while (rounds.length < round) rounds.push({ mfstate: [], peer: [], wasm: [] });
      rounds[round - 1][line.impl === 'mfstate' || line.impl === 'floor' ? 'mfstate' : line.impl === 'mfstate-wasm' ? 'wasm' : 'peer'].push(line);
      raw.push({ round, ...line });
    }
    o.rounds = rounds.length;
  }
  for (let r = 0; !o.from && r < o.rounds; r++) {
    // Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
    const order = r % 2 === 0 ? ['mfstate', 'peer'] : ['peer', 'mfstate'];
    if (o.wasm) order.splice(r % 3, 0, 'wasm');
    const round = {};
    const took = {};
    for (const side of order) {
      // Inside mfstate-bench, mfstate and the floor alternate too, starting on the other side
      // each round.
      const res = side === 'mfstate'
        ? runHarness('mfstate', o.bin, r % 2 === 1 ? [...args, '--floor-first'] : args)
        : side === 'wasm'
          ? runHarness('mfstate-wasm', process.execPath, [o.wasm, ...jsArgs(args)])
          : runHarness('peers', process.execPath, [o.peers, ...jsArgs(args)]);
      if (side !== 'mfstate') res.lines = jsLines(res.lines, o.workload, side === 'peer');
      round[side] = res.lines;
      took[side] = res.seconds;
      for (const l of res.lines) raw.push({ round: r + 1, ...l });
    }
    rounds.push(round);
    console.error(`bench: round ${r + 1}/${o.rounds}: mfstate ${took.mfstate.toFixed(1)} s, ` +
      `peers ${took.peer.toFixed(1)} s${o.wasm ? `, mfstate-wasm ${took.wasm.toFixed(1)} s` : ''} (load ${loadavg()})`);
  }
  const loadAfter = loadavg();

  const figs = summarise(rounds);
  const lines = jsonLines(figs);
  writeFileSync(path.join(o.out, 'rounds.jsonl'), raw.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(path.join(o.out, 'results.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const svg = chart(figs, o.out);

  if (o.json) {
    for (const l of lines) console.log(JSON.stringify(l));
  } else {
    const header = [
      `mfstate vs the JS peers: median of ${o.rounds} round${o.rounds > 1 ? 's' : ''} (min–max), ` +
        `${o.quick ? 'quick sizes (a tenth)' : 'full sizes'}, ${o.clock === 'cpu' ? 'CPU time' : 'wall time'}; ` +
        'ratios round by round: mfstate / floor (hand-written C++, same process) and peer / mfstate',
      o.from ? `summarised from ${o.from} (sizes and clock as given by --quick and --clock)`
        : `${machine()}; load average ${loadBefore} before, ${loadAfter} after; ${started.toISOString()}`,
      'S1 rows: n is the cache size; S1-invalidate is per invalidation, S1-get per get, S1-bytes per entry.',
    ].join('\n');
    printTable(tableRows(figs), header);
    console.log('');
    console.log(`raw rounds: ${path.join(o.out, 'rounds.jsonl')}; medians: ${path.join(o.out, 'results.jsonl')}` +
      (svg ? `; S1 chart: ${svg}` : ''));
  }
  const missing = figs.filter((f) => !f.mf.length || !f.peer.length);
  for (const f of missing) {
    console.error(`bench: ${f.workload} (${f.size}) has no ${f.mf.length ? 'peer' : 'mfstate'} figure`);
  }
}

main();
