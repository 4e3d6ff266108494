// Runs one ONNX model with ONNX Runtime (CPU provider) and prints one JSON
// line with the timings of `session.run`, so that bench/bench.py can compare
// it with `mica run --json`. Only the runs are timed (not loading, not input
// reading), like mica run times only mica_context_run.
//
//   node ort_run.js --model M.onnx --input NAME=FILE.bin:DTYPE:D0xD1...
//                   [--threads T] [--repeat N] [--warmup N] [--output FILE.bin]
//                   [--shapes]   (print the dims of every output instead)
//
// Inputs are raw little-endian files (bench.py writes them from the zoo's
// TensorProto files). Graph optimisations are all on, intra-op threads = T,
// inter-op threads = 1, sequential execution; ORT's spinning worker threads
// are left at their defaults (what a user gets).
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function parseArgs(argv) {
  const args = {inputs: [], threads: 1, repeat: 10, warmup: 2};
  for (let i = 2; i < argv.length; ++i) {
    const flag = argv[i], value = argv[i + 1];
    switch (flag) {
      case '--model': args.model = value; ++i; break;
      case '--input': args.inputs.push(value); ++i; break;
      case '--threads': args.threads = parseInt(value, 10); ++i; break;
      case '--repeat': args.repeat = parseInt(value, 10); ++i; break;
      case '--warmup': args.warmup = parseInt(value, 10); ++i; break;
      case '--output': args.output = value; ++i; break;
      case '--shapes': args.shapes = true; break;
      default: throw new Error('unknown option ' + flag);
    }
  }
  if (!args.model) throw new Error('--model is required');
  return args;
}

const TYPED = {float32: Float32Array, int64: BigInt64Array, int32: Int32Array};

function loadInput(spec) {
  const [name, rest] = spec.split('=');
  const [file, dtype, dims] = rest.split(':');
  const bytes = fs.readFileSync(file);
  const Typed = TYPED[dtype];
  const data = new Typed(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const shape = dims === '' ? [] : dims.split('x').map(Number);
  return [name, new ort.Tensor(dtype, data, shape)];
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const args = parseArgs(process.argv);
  const session = await ort.InferenceSession.create(args.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const feeds = Object.fromEntries(args.inputs.map(loadInput));
  let out;
  for (let i = 0; i < args.warmup; ++i) out = await session.run(feeds);
  const times = [];
  for (let i = 0; i < args.repeat; ++i) {
    const t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (args.shapes) {
    // The dims of every output (bench.py counts FLOPs from them).
    const shapes = {};
    for (const name of session.outputNames) shapes[name] = out[name].dims;
    process.stdout.write(JSON.stringify({shapes}) + '\n');
    return;
  }
  if (args.output) {
    const first = out[session.outputNames[0]];
    fs.writeFileSync(args.output, Buffer.from(first.data.buffer, first.data.byteOffset, first.data.byteLength));
  }
  process.stdout.write(JSON.stringify({
    runtime: 'onnxruntime ' + (ort.env.versions ? ort.env.versions.common : ''),
    threads: args.threads, runs: args.repeat, warmup: args.warmup,
    median_ms: median(times), min_ms: Math.min(...times), times_ms: times,
  }) + '\n');
}

main().catch((e) => { process.stderr.write('ort_run: ' + e.message + '\n'); process.exit(1); });
