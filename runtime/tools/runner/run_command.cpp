//===- run_command.cpp - `mica run` ---------------------------------------===//
//
//   mica run MODEL.mica [--input [NAME=]FILE]... [--output-dir DIR]
//            [--repeat N] [--warmup N] [--threads T] [--entry NAME]
//            [--width W] [--poison-arena] [--profile] [--json]
//            [--no-stream] [--trace FILE] [--drop-cache]
//
// Loads a compiled model, binds inputs from .npy / TensorProto files, runs it
// (timing each mica_context_run) and writes or summarises the outputs. The
// contract is in docs/cli.md.
//===----------------------------------------------------------------------===//
#include "runtime/tools/runner/cli.h"
#include "runtime/tools/runner/foreign_arch.h"
#include "runtime/tools/runner/json.h"
#include "runtime/tools/runner/run_report.h"
#include "runtime/tools/runner/runner.h"
#include "runtime/tools/runner/tensor_file.h"

#include "mica/artifact_format.h"
#include "mica/runtime.h"
#include "mica/stream.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

using namespace mica::runner;

namespace {

const char *const kCommand = "run";

const char kHelp[] =
    "usage: mica run MODEL.mica [options]\n"
    "\n"
    "Runs a compiled model on this machine (an arm64 model on an x86-64\n"
    "machine runs under qemu-aarch64) and writes or summarises its outputs.\n"
    "\n"
    "options:\n"
    "  --input [NAME=]FILE  An input from a .npy file (little-endian, C "
    "order)\n"
    "                       or an ONNX TensorProto (.pb) file; its dtype must\n"
    "                       match the model's. With NAME= it binds that "
    "input,\n"
    "                       without it the next unbound input in signature\n"
    "                       order. Repeatable; every input must be given.\n"
    "  --output-dir DIR     Write each output to DIR/NAME.npy (NAME with\n"
    "                       characters other than A-Z a-z 0-9 . _ - replaced\n"
    "                       by _; DIR is created). Without it, print each\n"
    "                       output's shape, dtype and first values.\n"
    "  --repeat N           Run N times (default 1) and report the median and\n"
    "                       minimum time of mica_context_run (loading and\n"
    "                       input binding are not timed).\n"
    "  --warmup N           Untimed runs before the timed ones (default 0).\n"
    "  --threads T          Threads the model may use (default 1); results do\n"
    "                       not depend on it.\n"
    "  --entry NAME         The entry point to run (default: the first).\n"
    "  --width W            The width of a model compiled with\n"
    "                       --sortable-width, in (0, 1] (default 1): each\n"
    "                       width group computes its first channels, as many\n"
    "                       as --prune channels=1-W would keep. Below 1 it is\n"
    "                       an error for a model without width groups.\n"
    "  --poison-arena       Testing aid: fill the model's scratch memory with\n"
    "                       0xFF bytes (float NaN) before every run, so that\n"
    "                       a kernel reading data no kernel of this run wrote\n"
    "                       (e.g. inactive channels at --width < 1) shows.\n"
    "  --no-stream          A model compiled with --memory-budget streams its\n"
    "                       streamed weights from the file by default (a\n"
    "                       loader thread reads each block into one of two\n"
    "                       buffers while the previous block computes):\n"
    "                       with --no-stream the whole file is mapped\n"
    "                       instead (memory mode; the same outputs).\n"
    "  --trace FILE         Write the streaming timeline of the timed runs\n"
    "                       to FILE as Chrome trace JSON (chrome://tracing,\n"
    "                       Perfetto; thread 1 compute: each step by kernel\n"
    "                       and each stall waiting for weights; thread 2\n"
    "                       I/O: each load with its bytes) and print a\n"
    "                       summary: peak RSS and RSS before load, bytes\n"
    "                       streamed, load and stall ms per run, overlap\n"
    "                       (1 - stall/load).\n"
    "  --drop-cache         Measurement aid: drop the model file from the\n"
    "                       page cache (posix_fadvise DONTNEED) before each\n"
    "                       timed run, for cold-start streaming numbers.\n"
    "  --profile            Time each ONNX node of the timed runs and print a\n"
    "                       table sorted by time (adds a little overhead).\n"
    "  --json               Print one JSON object on stdout: "
    "{\"schema_version\":\n"
    "                       1, \"outputs\": [{\"name\", \"file\", \"shape\",\n"
    "                       \"dtype\"}], \"median_ms\", \"min_ms\", ...}; "
    "with\n"
    "                       streamed weights or --trace also \"stream\" (the\n"
    "                       --trace summary).\n"
    "  --help               Show this help.\n"
    "\n"
    "Exit codes: 0 ok, 1 error (unreadable file, missing or mismatched input,\n"
    "a model the runtime refuses, a failed run), 2 usage.\n";

struct RunOptions {
  std::string model;
  std::vector<std::string> inputs;
  std::string outputDir;
  bool haveOutputDir = false;
  long repeat = 1, warmup = 0, threads = 1;
  std::string entry;
  double width = 1.0;
  std::string widthText; // as given; empty without --width
  bool profile = false, json = false, help = false, poisonArena = false;
  bool noStream = false, dropCache = false;
  std::string trace; // --trace FILE; empty without
};

// A width in (0, 1], written as a decimal number.
bool parseWidth(const std::string &text, double &value) {
  if (text.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  double parsed = std::strtod(text.c_str(), &end);
  if (errno || *end || !(parsed > 0 && parsed <= 1))
    return false;
  value = parsed;
  return true;
}

int usage(const std::string &message) {
  return fail(kCommand, kUsage, message + " (run 'mica run --help')");
}

// Returns -1 when the options are good, else the exit code.
int parseOptions(int argc, char **argv, RunOptions &options) {
  ArgScanner args(argc, argv);
  std::string value;
  bool haveModel = false;
  while (args.next()) {
    if (!args.isOption()) {
      if (haveModel)
        return usage("more than one model given ('" + options.model +
                     "' and '" + args.arg() + "')");
      options.model = args.arg();
      haveModel = true;
      continue;
    }
    const char *flag = nullptr;
    for (const char *name : {"--profile", "--json", "--help", "--poison-arena",
                             "--no-stream", "--drop-cache"})
      if (args.is(name))
        flag = name;
    if (args.arg() == "-h") {
      options.help = true;
      continue;
    }
    if (flag) {
      if (args.hasInlineValue())
        return usage(std::string(flag) + " takes no value");
      std::string name = flag;
      bool &target = name == "--profile"      ? options.profile
                     : name == "--json"       ? options.json
                     : name == "--help"       ? options.help
                     : name == "--no-stream"  ? options.noStream
                     : name == "--drop-cache" ? options.dropCache
                                              : options.poisonArena;
      target = true;
      continue;
    }
    const char *valued = nullptr;
    for (const char *name : {"--input", "--output-dir", "--repeat", "--warmup",
                             "--threads", "--entry", "--width", "--trace"})
      if (args.is(name))
        valued = name;
    if (!valued)
      return usage("unknown option '" + args.arg() + "'");
    if (!args.takeValue(value))
      return usage(std::string(valued) + " needs a value");
    std::string name = valued;
    if (name == "--input") {
      if (value.empty())
        return usage("--input needs a file");
      options.inputs.push_back(value);
    } else if (name == "--output-dir") {
      if (value.empty())
        return usage("--output-dir needs a directory");
      options.outputDir = value;
      options.haveOutputDir = true;
    } else if (name == "--entry") {
      options.entry = value;
    } else if (name == "--trace") {
      if (value.empty())
        return usage("--trace needs a file");
      options.trace = value;
    } else if (name == "--width") {
      if (!parseWidth(value, options.width))
        return usage("--width expects a number in (0, 1], got '" + value + "'");
      options.widthText = value;
    } else {
      long minimum = name == "--warmup" ? 0 : 1;
      long &target = name == "--repeat"   ? options.repeat
                     : name == "--warmup" ? options.warmup
                                          : options.threads;
      if (!parseCount(value, minimum, target))
        return usage(name + " expects an integer of at least " +
                     std::to_string(minimum) + ", got '" + value + "'");
    }
  }
  if (options.help)
    return -1;
  if (!haveModel)
    return usage("no model given");
  return -1;
}

struct ModelDeleter {
  void operator()(mica_model *m) const { mica_model_free(m); }
};
struct ContextDeleter {
  void operator()(mica_context *c) const { mica_context_free(c); }
};
struct ArenaDeleter {
  void operator()(void *arena) const { std::free(arena); }
};

// Arena alignments are validated to be at most 4096 (validate.cpp).
constexpr size_t kArenaAlignment = 4096;

// Sets --width on a new context; returns -1 or an exit code.
int applyWidth(const mica_model *model, mica_context *context,
               const RunOptions &options) {
  if (options.widthText.empty())
    return -1;
  if (options.width < 1 && mica_model_num_width_groups(model) == 0)
    return fail(kCommand, kError,
                options.model + ": --width " + options.widthText +
                    " needs a model compiled with --sortable-width (this one "
                    "has no width groups)");
  char message[512] = "";
  if (mica_context_set_width(context, options.width, message,
                             sizeof(message)) != MICA_OK)
    return fail(kCommand, kError, options.model + ": " + message);
  return -1;
}

std::vector<int64_t> infoShape(const int64_t *dims, int32_t rank) {
  return std::vector<int64_t>(dims, dims + rank);
}

// Checks `tensor` from `path` against input `info`; "" when it fits.
std::string checkInput(const mica_tensor_info &info, const HostTensor &tensor,
                       const std::string &path) {
  std::string what = "input '" + std::string(info.name) + "': " + path;
  if (tensor.dtype != info.dtype)
    return what + " holds " + mica_dtype_name(tensor.dtype) +
           " data, the model expects " + mica_dtype_name(info.dtype);
  std::vector<int64_t> expected = infoShape(info.shape, info.rank);
  std::string shapes = " has shape " + formatShape(tensor.shape) +
                       ", the model expects " + formatShape(expected);
  if ((int32_t)tensor.shape.size() != info.rank)
    return what + shapes + " (rank " + std::to_string(info.rank) + ")";
  for (int32_t d = 0; d < info.rank; ++d) {
    if (info.shape[d] >= 0 && tensor.shape[d] != info.shape[d])
      return what + shapes;
    if (info.shape[d] < 0 && tensor.shape[d] > info.max_shape[d])
      return what + shapes + " with dimension " + std::to_string(d) +
             " at most " + std::to_string(info.max_shape[d]);
  }
  return "";
}

// Reads the --input files and assigns them to inputs; returns -1 or an exit
// code.
int readInputs(const mica_model *model, uint32_t entry,
               const RunOptions &options, std::vector<HostTensor> &tensors) {
  uint32_t count = mica_model_num_inputs(model, entry);
  tensors.assign(count, HostTensor());
  std::vector<std::string> paths(count);
  std::vector<bool> bound(count, false);
  std::vector<std::string> positional;
  for (const std::string &spec : options.inputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      positional.push_back(spec);
      continue;
    }
    std::string name = spec.substr(0, eq);
    int32_t index = mica_model_find_input(model, entry, name.c_str());
    if (index < 0) {
      // A file whose name contains '=' is still a positional input.
      if (access(spec.c_str(), F_OK) == 0) {
        positional.push_back(spec);
        continue;
      }
      std::string names;
      for (uint32_t i = 0; i < count; ++i) {
        mica_tensor_info info;
        if (mica_model_input_info(model, entry, i, &info) == MICA_OK)
          names += std::string(i ? ", '" : "'") + info.name + "'";
      }
      return fail(kCommand, kError,
                  "--input " + spec + ": the model has no input named '" +
                      name + "' (its inputs: " + names + ")");
    }
    if (bound[index])
      return fail(kCommand, kError,
                  "input '" + name + "' is given more than once");
    bound[index] = true;
    paths[index] = spec.substr(eq + 1);
  }
  uint32_t next = 0;
  for (const std::string &path : positional) {
    while (next < count && bound[next])
      ++next;
    if (next == count)
      return fail(kCommand, kError,
                  std::to_string(options.inputs.size()) +
                      " --input files given, the model has " +
                      std::to_string(count) + " input" +
                      (count == 1 ? "" : "s"));
    bound[next] = true;
    paths[next] = path;
  }
  std::string missing;
  for (uint32_t i = 0; i < count; ++i) {
    mica_tensor_info info;
    mica_model_input_info(model, entry, i, &info);
    if (!bound[i])
      missing += std::string(missing.empty() ? "" : ", ") + "'" + info.name +
                 "' (" + mica_dtype_name(info.dtype) + " " +
                 formatShape(infoShape(info.shape, info.rank)) + ")";
  }
  if (!missing.empty())
    return fail(kCommand, kError,
                "missing input " + missing +
                    "; give each with --input NAME=FILE.npy");
  for (uint32_t i = 0; i < count; ++i) {
    mica_tensor_info info;
    mica_model_input_info(model, entry, i, &info);
    std::string error;
    if (!readTensorFile(paths[i], tensors[i], error))
      return fail(kCommand, kError,
                  "input '" + std::string(info.name) + "': " + error);
    error = checkInput(info, tensors[i], paths[i]);
    if (!error.empty())
      return fail(kCommand, kError, error);
  }
  return -1;
}

// The header's resident_size: nonzero when the artifact has streamed
// segments (artifact_format.h); 0 when unreadable.
uint64_t residentSize(const std::string &path) {
  uint8_t header[MICA_ARTIFACT_HEADER_SIZE] = {0};
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  const bool ok = pread(fd, header, sizeof(header), 0) == sizeof(header);
  close(fd);
  uint64_t size = 0;
  for (int i = 7; ok && i >= 0; --i)
    size =
        size << 8 | header[offsetof(mica_artifact_header, resident_size) + i];
  return size;
}

// --drop-cache: the file's pages leave the page cache (clean ones).
void dropCache(const std::string &path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
}

uint64_t nowNs() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// Both hooks at once: mica_hooks has one user pointer.
struct RunHooks {
  NodeProfiler *profiler; // --profile, else null
  StreamTracer *tracer;   // streamed or --trace, else null
  static void onNode(void *user, uint32_t node, int32_t phase) {
    auto *self = static_cast<RunHooks *>(user);
    if (self->profiler)
      NodeProfiler::onNode(self->profiler, node, phase);
  }
  static void onStream(void *user, const mica_stream_event *event) {
    StreamTracer::onStream(static_cast<RunHooks *>(user)->tracer, event);
  }
};

// Loads the model (streamed unless --no-stream, when it has streamed
// segments); an artifact for another architecture is handed to qemu (no
// return). Returns -1 or an exit code.
int loadModel(int argc, char **argv, const RunOptions &options, bool stream,
              std::unique_ptr<mica_model, ModelDeleter> &model) {
  char message[512] = "";
  mica_model *loaded = nullptr;
  const mica_status status =
      stream ? mica_model_load_file_streamed(options.model.c_str(), &loaded,
                                             message, sizeof(message))
             : mica_model_load_file(options.model.c_str(), &loaded, message,
                                    sizeof(message));
  if (status == MICA_OK) {
    model.reset(loaded);
    return -1;
  }
  // Is it an artifact for another architecture that qemu can run?
  std::string loadError = message;
  MappedFile file;
  std::string error;
  if (file.open(options.model, error) &&
      mica_model_load_metadata(file.data(), file.size(), &loaded, nullptr, 0) ==
          MICA_OK) {
    mica_model_summary summary;
    mica_model_get_summary(loaded, &summary);
    std::string triple = summary.target_triple ? summary.target_triple : "";
    mica_model_free(loaded);
    if (needsEmulation(triple)) {
      execUnderQemu(argc, argv, error);
      return fail(kCommand, kError,
                  options.model + ": compiled for " + triple + "; " + error);
    }
  }
  // The runtime's messages usually name the file already.
  if (loadError.find(options.model) == std::string::npos)
    loadError = options.model + ": " + loadError;
  return fail(kCommand, kError, loadError);
}

} // namespace

extern "C" int mica_runner_run_main(int argc, char **argv) {
  RunOptions options;
  int code = parseOptions(argc, argv, options);
  if (code >= 0)
    return code;
  if (options.help) {
    std::fputs(kHelp, stdout);
    return kOk;
  }
  std::unique_ptr<mica_model, ModelDeleter> model;
  const bool stream = !options.noStream && residentSize(options.model) != 0;
  const long rssBefore = peakRssKiB();
  const uint64_t originNs = nowNs();
  code = loadModel(argc, argv, options, stream, model);
  if (code >= 0)
    return code;

  uint32_t entry = 0;
  if (!options.entry.empty()) {
    int32_t found =
        mica_model_find_entry_point(model.get(), options.entry.c_str());
    if (found < 0)
      return fail(kCommand, kError,
                  options.model + ": no entry point named '" + options.entry +
                      "'");
    entry = (uint32_t)found;
  }
  std::vector<HostTensor> inputs;
  code = readInputs(model.get(), entry, options, inputs);
  if (code >= 0)
    return code;

  // --poison-arena: the runner owns the arena so that it can fill it.
  const size_t arenaSize = mica_model_arena_size(model.get(), entry);
  std::unique_ptr<void, ArenaDeleter> arena;
  if (options.poisonArena) {
    size_t bytes = (arenaSize + kArenaAlignment - 1) & ~(kArenaAlignment - 1);
    arena.reset(
        std::aligned_alloc(kArenaAlignment, bytes ? bytes : kArenaAlignment));
    if (!arena)
      return fail(kCommand, kError, "out of memory for the arena");
  }
  auto poison = [&] {
    if (arena)
      std::memset(arena.get(), 0xFF, arenaSize);
  };

  char message[512] = "";
  mica_context *rawContext = nullptr;
  if (mica_context_create(model.get(), entry, arena.get(), arenaSize,
                          (uint32_t)options.threads, &rawContext, message,
                          sizeof(message)) != MICA_OK)
    return fail(kCommand, kError, options.model + ": " + message);
  std::unique_ptr<mica_context, ContextDeleter> context(rawContext);
  code = applyWidth(model.get(), context.get(), options);
  if (code >= 0)
    return code;
  for (uint32_t i = 0; i < inputs.size(); ++i) {
    if (mica_context_set_input(context.get(), i, inputs[i].data.data(),
                               inputs[i].shape.data(),
                               (int32_t)inputs[i].shape.size(), message,
                               sizeof(message)) != MICA_OK) {
      mica_tensor_info info;
      mica_model_input_info(model.get(), entry, i, &info);
      return fail(kCommand, kError,
                  "input '" + std::string(info.name) + "': " + message);
    }
  }

  for (long i = 0; i < options.warmup; ++i) {
    poison();
    if (mica_context_run(context.get(), message, sizeof(message)) != MICA_OK)
      return fail(kCommand, kError, options.model + ": " + message);
  }

  NodeProfiler profiler(model.get());
  StreamTracer tracer(model.get(), entry, originNs);
  const bool traced = stream || !options.trace.empty();
  RunHooks users = {options.profile ? &profiler : nullptr, &tracer};
  mica_hooks hooks = {}; // fields are only appended (runtime.h)
  hooks.user = &users;
  if (options.profile)
    hooks.on_node = &RunHooks::onNode;
  if (traced)
    hooks.on_stream = &RunHooks::onStream;
  if (options.profile || traced)
    mica_context_set_hooks(context.get(), &hooks);
  std::vector<double> times;
  for (long i = 0; i < options.repeat; ++i) {
    poison(); // untimed
    if (options.dropCache)
      dropCache(options.model);
    tracer.beginRun((uint32_t)i);
    double start = monotonicSeconds();
    mica_status status =
        mica_context_run(context.get(), message, sizeof(message));
    double end = monotonicSeconds();
    if (status != MICA_OK)
      return fail(kCommand, kError, options.model + ": " + message);
    times.push_back((end - start) * 1e3);
  }
  if (options.profile || traced)
    mica_context_set_hooks(context.get(), nullptr);

  RunReport report;
  report.model = options.model;
  report.entry = mica_model_entry_point_name(model.get(), entry);
  report.warmup = options.warmup;
  report.threads = options.threads;
  report.width = options.width;
  if (const int64_t *counts = mica_context_active_counts(context.get()))
    report.activeCounts.assign(
        counts, counts + mica_model_num_width_groups(model.get()));
  report.timesMs = times;
  std::string error;
  if (!collectOutputs(model.get(), entry, context.get(),
                      options.haveOutputDir ? &options.outputDir : nullptr,
                      report, error))
    return fail(kCommand, kError, error);
  if (options.profile)
    report.profile = profiler.rows((size_t)options.repeat);
  if (traced) {
    // Printed with --trace; in JSON whenever the model streams.
    report.hasStream = options.json || !options.trace.empty();
    report.stream.streamed = stream;
    report.stream.rssBeforeKiB = rssBefore;
    report.stream.peakRssKiB = peakRssKiB();
    report.stream.firstRunMs = times.empty() ? 0 : times[0];
    tracer.summarize(times.size(), report.stream);
    if (!options.trace.empty() &&
        !tracer.write(options.trace, report.stream, error))
      return fail(kCommand, kError, error);
  }
  if (options.json)
    printRunJson(report, options.profile);
  else
    printRunText(report, options.profile);
  return kOk;
}
