// Runs an ONNX model with ONNX Runtime (onnxruntime-node from bench/, CPU
// provider, one thread) on .npy inputs and writes every output as .npy: the
// reference outputs of the real-model corpus (test/tools/real_models.py
// record). Install the peer first with `make bench-setup` or
// `cd bench && npm install --ignore-scripts`.
//
//   node scripts/ort_reference.js --model M.onnx --input NAME=FILE.npy ...
//                                 --output-dir DIR
//
// DIR gets one OUTPUT.npy per output (name made file-safe) and index.json
// mapping each output name to its file.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '..', 'bench', 'node_modules',
                              'onnxruntime-node'));

// numpy descr <-> ORT type and typed array.
const DTYPES = {
  '<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
  '<i8': ['int64', BigInt64Array], '<i4': ['int32', Int32Array],
  '<i2': ['int16', Int16Array], '|i1': ['int8', Int8Array],
  '|u1': ['uint8', Uint8Array], '|b1': ['bool', Uint8Array],
};
const DESCR = Object.fromEntries(
    Object.entries(DTYPES).map(([descr, [type]]) => [type, descr]));

function readNpy(file) {
  const bytes = fs.readFileSync(file);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.slice(start, start + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header))
    throw new Error(file + ': Fortran order is not supported');
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',')
                    .map(s => s.trim()).filter(s => s).map(Number);
  if (!DTYPES[descr]) throw new Error(file + ': unsupported dtype ' + descr);
  const [type, Typed] = DTYPES[descr];
  const raw = bytes.slice(start + headerLength);
  const data = new Typed(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  return new ort.Tensor(type, type === 'bool' ? Array.from(data, x => x !== 0) : data,
                        shape);
}

function writeNpy(file, tensor) {
  const descr = DESCR[tensor.type];
  if (!descr) throw new Error('unsupported output type ' + tensor.type);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)`
                                         : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  let data = tensor.data;
  if (tensor.type === 'bool') data = Uint8Array.from(data, x => (x ? 1 : 0));
  fs.writeFileSync(file, Buffer.concat([
    prefix, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function main() {
  const args = {inputs: []};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--model') args.model = argv[i + 1];
    else if (argv[i] === '--input') args.inputs.push(argv[i + 1]);
    else if (argv[i] === '--output-dir') args.outputDir = argv[i + 1];
    else throw new Error('unknown option ' + argv[i]);
  }
  if (!args.model || !args.outputDir)
    throw new Error('--model and --output-dir are required');
  const feeds = {};
  for (const spec of args.inputs) {
    const at = spec.lastIndexOf('=');
    feeds[spec.slice(0, at)] = readNpy(spec.slice(at + 1));
  }
  const session = await ort.InferenceSession.create(args.model, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all',
    intraOpNumThreads: 1, interOpNumThreads: 1});
  const outputs = await session.run(feeds);
  fs.mkdirSync(args.outputDir, {recursive: true});
  const index = {};
  const used = new Set();
  session.outputNames.forEach((name, i) => {
    let file = name.replace(/[^A-Za-z0-9._-]/g, '_');
    if (used.has(file)) file += '_' + i;
    used.add(file);
    writeNpy(path.join(args.outputDir, file + '.npy'), outputs[name]);
    index[name] = file + '.npy';
  });
  fs.writeFileSync(path.join(args.outputDir, 'index.json'), JSON.stringify(index));
}

main().catch(e => {
  console.error('ort_reference: ' + e.message);
  process.exit(1);
});
