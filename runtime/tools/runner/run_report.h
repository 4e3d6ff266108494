//===- run_report.h - What `mica run` measured and produced -----*- C++ -*-===//
#ifndef MICA_RUNTIME_TOOLS_RUNNER_RUN_REPORT_H
#define MICA_RUNTIME_TOOLS_RUNNER_RUN_REPORT_H

#include "mica/runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mica::runner {

struct ProfileRow {
  uint32_t index = 0; // the node's index in the model
  std::string node, opType;
  double msPerRun = 0;
  double percent = 0;       // of the time of all nodes
  uint64_t callsPerRun = 0; // how often the node's code ran per run
};

/// Times each ONNX node through mica_context_set_hooks.
class NodeProfiler {
public:
  explicit NodeProfiler(const mica_model *model);
  /// The mica_hooks callback; `user` is the NodeProfiler.
  static void onNode(void *user, uint32_t node, int32_t phase);
  /// Nodes that ran, slowest first, averaged over `runs` runs.
  std::vector<ProfileRow> rows(size_t runs) const;

private:
  const mica_model *model;
  std::vector<double> begin, total;
  std::vector<uint64_t> calls;
};

/// What a streamed run measured (mica_hooks.on_stream), averaged per run.
struct StreamSummary {
  bool streamed = false;    // loaded with mica_model_load_file_streamed
  long rssBeforeKiB = 0;    // peak RSS before the model was loaded
  long peakRssKiB = 0;      // peak RSS at the end
  double bytesPerRun = 0;   // streamed bytes read
  double loadMsPerRun = 0;  // time the loader spent reading and checking
  double stallMsPerRun = 0; // time the run waited for a segment
  double firstRunMs = 0;
  /// 1 - stall / load: the share of reading hidden behind compute.
  double overlap() const {
    return loadMsPerRun > 0 ? 1 - stallMsPerRun / loadMsPerRun : 1;
  }
};

/// Records the streaming timeline of the timed runs and writes it as a
/// Chrome trace (chrome://tracing, Perfetto): tid 1 compute (each step,
/// named by its kernel, and the stalls), tid 2 I/O (each load).
class StreamTracer {
public:
  StreamTracer(const mica_model *model, uint32_t entry, uint64_t originNs)
      : model(model), entry(entry), originNs(originNs) {}
  /// The mica_hooks callback; `user` is the StreamTracer.
  static void onStream(void *user, const mica_stream_event *event);
  /// Events after this belong to timed run `run`.
  void beginRun(uint32_t run) { current = run; }
  /// Fills the per-run averages of `summary` over `runs` runs.
  void summarize(size_t runs, StreamSummary &summary) const;
  /// Writes the trace with `summary` as its otherData; false on error.
  bool write(const std::string &path, const StreamSummary &summary,
             std::string &error) const;

private:
  struct Event {
    mica_stream_event event;
    uint32_t run;
  };
  const mica_model *model;
  uint32_t entry;
  uint64_t originNs;
  uint32_t current = 0;
  std::vector<Event> events;
};

/// Peak resident set size of this process so far (getrusage), KiB.
long peakRssKiB();

struct OutputRecord {
  std::string name, file; // file: "" when not written
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  std::string preview; // the first values, "[1, 2, 3, ...]"
};

struct RunReport {
  std::string model, entry;
  long warmup = 0, threads = 1;
  double width = 1.0;                // --width
  std::vector<int64_t> activeCounts; // per width group, at that width
  std::vector<double> timesMs;
  std::vector<OutputRecord> outputs;
  std::vector<ProfileRow> profile;
  bool hasStream = false; // the "stream" summary is reported
  StreamSummary stream;
};

/// `name` with every character outside [A-Za-z0-9._-] replaced by '_'
/// ("output" when empty).
std::string sanitizeFileName(const std::string &name);

/// Reads the outputs of the last run into `report`; with `outputDir`, writes
/// each to outputDir/NAME.npy (creating the directory).
bool collectOutputs(const mica_model *model, uint32_t entry,
                    const mica_context *context, const std::string *outputDir,
                    RunReport &report, std::string &error);

/// Median and minimum of `times` (0 when empty).
double median(std::vector<double> times);

void printRunText(const RunReport &report, bool profile);
void printRunJson(const RunReport &report, bool profile);

} // namespace mica::runner

#endif // MICA_RUNTIME_TOOLS_RUNNER_RUN_REPORT_H
