//===- run_report.cpp - What `mica run` measured and produced -------------===//
#include "runtime/tools/runner/run_report.h"

#include "runtime/tools/runner/cli.h"
#include "runtime/tools/runner/json.h"
#include "runtime/tools/runner/tensor_file.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <sys/resource.h>
#include <sys/stat.h>

namespace mica::runner {

NodeProfiler::NodeProfiler(const mica_model *model)
    : model(model), begin(mica_model_num_nodes(model)), total(begin.size()),
      calls(begin.size()) {}

void NodeProfiler::onNode(void *user, uint32_t node, int32_t phase) {
  double now = monotonicSeconds();
  auto *self = static_cast<NodeProfiler *>(user);
  if (node >= self->begin.size())
    return;
  if (phase == MICA_KERNEL_LAYER_BEGIN) {
    self->begin[node] = now;
  } else {
    self->total[node] += now - self->begin[node];
    ++self->calls[node];
  }
}

std::vector<ProfileRow> NodeProfiler::rows(size_t runs) const {
  std::vector<ProfileRow> result;
  double sum = 0;
  for (double t : total)
    sum += t;
  for (uint32_t i = 0; i < total.size(); ++i) {
    if (!calls[i])
      continue;
    ProfileRow row;
    const char *name = mica_model_node_name(model, i);
    const char *opType = mica_model_node_op_type(model, i);
    row.index = i;
    row.node = name ? name : "";
    row.opType = opType ? opType : "";
    row.msPerRun = total[i] * 1e3 / (double)(runs ? runs : 1);
    row.percent = sum > 0 ? 100.0 * total[i] / sum : 0;
    row.callsPerRun = calls[i] / (runs ? runs : 1);
    result.push_back(row);
  }
  // Slowest first; equal times keep node order (rows were built in it).
  std::sort(result.begin(), result.end(),
            [](const ProfileRow &a, const ProfileRow &b) {
              if (a.msPerRun != b.msPerRun)
                return a.msPerRun > b.msPerRun;
              return a.index < b.index;
            });
  return result;
}

void StreamTracer::onStream(void *user, const mica_stream_event *event) {
  auto *self = static_cast<StreamTracer *>(user);
  self->events.push_back({*event, self->current});
}

void StreamTracer::summarize(size_t runs, StreamSummary &summary) const {
  double bytes = 0, loadNs = 0, stallNs = 0;
  for (const Event &e : events) {
    const double ns = (double)(e.event.end_ns - e.event.begin_ns);
    if (e.event.kind == MICA_STREAM_LOAD) {
      bytes += (double)e.event.bytes;
      loadNs += ns;
    } else if (e.event.kind == MICA_STREAM_WAIT) {
      stallNs += ns;
    }
  }
  const double n = runs ? (double)runs : 1;
  summary.bytesPerRun = bytes / n;
  summary.loadMsPerRun = loadNs / 1e6 / n;
  summary.stallMsPerRun = stallNs / 1e6 / n;
}

namespace {
void writeSummary(JsonWriter &json, const StreamSummary &s) {
  json.beginObject();
  json.key("streamed");
  json.value(s.streamed);
  json.key("rss_before_load_kib");
  json.value((int64_t)s.rssBeforeKiB);
  json.key("peak_rss_kib");
  json.value((int64_t)s.peakRssKiB);
  json.key("bytes_per_run");
  json.value((uint64_t)std::llround(s.bytesPerRun));
  json.key("load_ms_per_run");
  json.value(s.loadMsPerRun);
  json.key("stall_ms_per_run");
  json.value(s.stallMsPerRun);
  json.key("overlap");
  json.value(s.overlap());
  json.key("first_run_ms");
  json.value(s.firstRunMs);
  json.endObject();
}
} // namespace

bool StreamTracer::write(const std::string &path, const StreamSummary &summary,
                         std::string &error) const {
  JsonWriter json;
  json.beginObject();
  json.key("traceEvents");
  json.beginArray();
  for (const char *name : {"compute", "I/O"}) {
    json.beginObject();
    json.key("name");
    json.value("thread_name");
    json.key("ph");
    json.value("M");
    json.key("pid");
    json.value(1);
    json.key("tid");
    json.value(name[0] == 'c' ? 1 : 2);
    json.key("args");
    json.beginObject();
    json.key("name");
    json.value(name);
    json.endObject();
    json.endObject();
  }
  for (const Event &e : events) {
    const mica_stream_event &ev = e.event;
    const char *symbol = mica_model_step_symbol(model, entry, ev.step);
    json.beginObject();
    json.key("name");
    json.value(ev.kind == MICA_STREAM_STEP ? std::string(symbol ? symbol : "")
               : ev.kind == MICA_STREAM_WAIT
                   ? std::string("stall")
                   : "load segment " + std::to_string(ev.segment));
    json.key("ph");
    json.value("X");
    json.key("pid");
    json.value(1);
    json.key("tid");
    json.value(ev.kind == MICA_STREAM_LOAD ? 2 : 1);
    json.key("ts"); // microseconds
    json.value((double)(int64_t)(ev.begin_ns - originNs) / 1e3);
    json.key("dur");
    json.value((double)(ev.end_ns - ev.begin_ns) / 1e3);
    json.key("args");
    json.beginObject();
    json.key("run");
    json.value(e.run);
    json.key("step");
    json.value(ev.step);
    if (ev.kind != MICA_STREAM_STEP) {
      json.key("segment");
      json.value(ev.segment);
    }
    if (ev.kind == MICA_STREAM_LOAD) {
      json.key("bytes");
      json.value(ev.bytes);
      json.key("verified");
      json.value(ev.verified != 0);
    }
    json.endObject();
    json.endObject();
  }
  json.endArray();
  json.key("displayTimeUnit");
  json.value("ms");
  json.key("otherData");
  writeSummary(json, summary);
  json.endObject();
  FILE *file = std::fopen(path.c_str(), "w");
  if (!file) {
    error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  const std::string &text = json.str();
  const bool ok =
      std::fwrite(text.data(), 1, text.size(), file) == text.size() &&
      std::fputc('\n', file) != EOF;
  if (std::fclose(file) != 0 || !ok) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

long peakRssKiB() {
  struct rusage usage;
  return getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_maxrss : 0;
}

std::string sanitizeFileName(const std::string &name) {
  std::string out = name.empty() ? "output" : name;
  for (char &c : out) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok)
      c = '_';
  }
  return out;
}

namespace {

float halfToFloat(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exponent = (h >> 10) & 0x1f,
           mantissa = h & 0x3ff;
  float value;
  if (exponent == 0)
    value = std::ldexp((float)mantissa, -24);
  else if (exponent == 31)
    value = mantissa ? NAN : INFINITY;
  else
    value = std::ldexp((float)(mantissa | 0x400), (int)exponent - 25);
  return sign ? -value : value;
}

std::string formatElement(const uint8_t *p, int32_t dtype) {
  char buf[48];
  auto load = [p](auto &v) {
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  switch (dtype) {
  case 1: {
    float v;
    std::snprintf(buf, sizeof(buf), "%.6g", (double)load(v));
    break;
  }
  case 11: {
    double v;
    std::snprintf(buf, sizeof(buf), "%.6g", load(v));
    break;
  }
  case 10: {
    uint16_t v;
    std::snprintf(buf, sizeof(buf), "%.4g", (double)halfToFloat(load(v)));
    break;
  }
  case 16: {
    uint16_t v;
    uint32_t bits = (uint32_t)load(v) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    std::snprintf(buf, sizeof(buf), "%.4g", (double)f);
    break;
  }
  case 2: {
    uint8_t v;
    std::snprintf(buf, sizeof(buf), "%u", (unsigned)load(v));
    break;
  }
  case 3: {
    int8_t v;
    std::snprintf(buf, sizeof(buf), "%d", (int)load(v));
    break;
  }
  case 4: {
    uint16_t v;
    std::snprintf(buf, sizeof(buf), "%u", (unsigned)load(v));
    break;
  }
  case 5: {
    int16_t v;
    std::snprintf(buf, sizeof(buf), "%d", (int)load(v));
    break;
  }
  case 6: {
    int32_t v;
    std::snprintf(buf, sizeof(buf), "%d", (int)load(v));
    break;
  }
  case 7: {
    int64_t v;
    std::snprintf(buf, sizeof(buf), "%lld", (long long)load(v));
    break;
  }
  case 12: {
    uint32_t v;
    std::snprintf(buf, sizeof(buf), "%u", (unsigned)load(v));
    break;
  }
  case 13: {
    uint64_t v;
    std::snprintf(buf, sizeof(buf), "%llu", (unsigned long long)load(v));
    break;
  }
  case 9:
    return *p ? "true" : "false";
  default:
    return "?";
  }
  return buf;
}

std::string preview(const HostTensor &tensor, size_t maxValues) {
  size_t size = mica_dtype_size(tensor.dtype);
  size_t count = size ? tensor.data.size() / size : 0;
  std::string text = "[";
  for (size_t i = 0; i < count && i < maxValues; ++i)
    text += (i ? ", " : "") +
            formatElement(tensor.data.data() + i * size, tensor.dtype);
  if (count > maxValues)
    text += ", ...";
  return text + "]";
}

bool makeDirectories(const std::string &path, std::string &error) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/')
      continue;
    std::string prefix = path.substr(0, i);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      error = prefix + ": cannot create directory: " + std::strerror(errno);
      return false;
    }
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = path + ": not a directory";
    return false;
  }
  return true;
}

} // namespace

bool collectOutputs(const mica_model *model, uint32_t entry,
                    const mica_context *context, const std::string *outputDir,
                    RunReport &report, std::string &error) {
  if (outputDir && !makeDirectories(*outputDir, error))
    return false;
  std::vector<std::string> used;
  uint32_t count = mica_model_num_outputs(model, entry);
  for (uint32_t i = 0; i < count; ++i) {
    mica_tensor_info info;
    const void *data = nullptr;
    const int64_t *shape = nullptr;
    int32_t rank = 0;
    if (mica_model_output_info(model, entry, i, &info) != MICA_OK ||
        mica_context_output(context, i, &data, &shape, &rank) != MICA_OK) {
      error = "cannot read output " + std::to_string(i);
      return false;
    }
    HostTensor tensor;
    tensor.dtype = info.dtype;
    tensor.shape.assign(shape, shape + rank);
    uint64_t elements;
    if (!elementCount(tensor.shape, mica_dtype_size(info.dtype), elements)) {
      error = "output '" + std::string(info.name) + "' has an invalid shape";
      return false;
    }
    const uint8_t *bytes = static_cast<const uint8_t *>(data);
    tensor.data.assign(bytes, bytes + elements * mica_dtype_size(info.dtype));
    OutputRecord record;
    record.name = info.name;
    record.dtype = info.dtype;
    record.shape = tensor.shape;
    record.preview = preview(tensor, 8);
    if (outputDir) {
      std::string base = sanitizeFileName(record.name);
      // Two names that sanitise alike get the output's index appended.
      if (std::find(used.begin(), used.end(), base) != used.end())
        base += "_" + std::to_string(i);
      used.push_back(base);
      record.file = *outputDir + "/" + base + ".npy";
      std::vector<uint8_t> npy;
      if (!encodeNpy(tensor, npy, error) ||
          !writeFileAtomically(record.file, npy, error))
        return false;
    }
    report.outputs.push_back(record);
  }
  return true;
}

double median(std::vector<double> times) {
  if (times.empty())
    return 0;
  std::sort(times.begin(), times.end());
  size_t n = times.size();
  return n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
}

// Milliseconds with about four significant digits, never in e-notation.
static std::string formatMs(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf),
                ms >= 100 ? "%.1f"
                : ms >= 1 ? "%.3f"
                          : "%.4f",
                ms);
  return buf;
}

// Durations in JSON, rounded to nanoseconds (clock noise below that).
static double roundMs(double ms) { return std::round(ms * 1e6) / 1e6; }

static double minimum(const std::vector<double> &times) {
  return times.empty() ? 0 : *std::min_element(times.begin(), times.end());
}

void printRunText(const RunReport &report, bool profile) {
  for (const OutputRecord &out : report.outputs) {
    std::printf("%s: %s %s ", out.name.c_str(), mica_dtype_name(out.dtype),
                formatShape(out.shape).c_str());
    if (out.file.empty())
      std::printf("%s\n", out.preview.c_str());
    else
      std::printf("-> %s\n", out.file.c_str());
  }
  size_t runs = report.timesMs.size();
  std::printf("time: median %s ms, min %s ms (%zu run%s, %ld warmup, %ld "
              "thread%s)\n",
              formatMs(median(report.timesMs)).c_str(),
              formatMs(minimum(report.timesMs)).c_str(), runs,
              runs == 1 ? "" : "s", report.warmup, report.threads,
              report.threads == 1 ? "" : "s");
  if (!report.activeCounts.empty()) {
    std::printf("width: %g (active channels per width group:", report.width);
    for (int64_t count : report.activeCounts)
      std::printf(" %lld", (long long)count);
    std::printf(")\n");
  }
  if (report.hasStream) {
    const StreamSummary &st = report.stream;
    std::printf("stream: %s, peak RSS %.1f MiB (%.1f MiB before load), "
                "%.0f bytes streamed per run, load %s ms, stall %s ms per "
                "run, overlap %.0f%%, first run %s ms\n",
                st.streamed ? "streamed" : "all resident (memory mode)",
                st.peakRssKiB / 1024.0, st.rssBeforeKiB / 1024.0,
                st.bytesPerRun, formatMs(st.loadMsPerRun).c_str(),
                formatMs(st.stallMsPerRun).c_str(), 100 * st.overlap(),
                formatMs(st.firstRunMs).c_str());
  }
  if (!profile)
    return;
  if (report.profile.empty()) {
    std::printf("profile: the model reported no nodes\n");
    return;
  }
  std::printf("profile (per run, slowest first):\n");
  std::printf("%10s %7s %6s  %-20s %s\n", "ms", "%", "calls", "op type",
              "node");
  for (const ProfileRow &row : report.profile)
    std::printf("%10.4f %6.1f%% %6llu  %-20s %s\n", row.msPerRun, row.percent,
                (unsigned long long)row.callsPerRun, row.opType.c_str(),
                row.node.c_str());
}

void printRunJson(const RunReport &report, bool profile) {
  JsonWriter json;
  json.beginObject();
  json.key("schema_version");
  json.value(kJsonSchemaVersion);
  json.key("model");
  json.value(report.model);
  json.key("entry");
  json.value(report.entry);
  json.key("outputs");
  json.beginArray();
  for (const OutputRecord &out : report.outputs) {
    json.beginObject();
    json.key("name");
    json.value(out.name);
    json.key("file");
    if (out.file.empty())
      json.null();
    else
      json.value(out.file);
    json.key("shape");
    json.beginArray();
    for (int64_t d : out.shape)
      json.value(d);
    json.endArray();
    json.key("dtype");
    json.value(mica_dtype_name(out.dtype));
    json.endObject();
  }
  json.endArray();
  json.key("runs");
  json.value((uint64_t)report.timesMs.size());
  json.key("warmup");
  json.value((int64_t)report.warmup);
  json.key("threads");
  json.value((int64_t)report.threads);
  json.key("width");
  json.value(report.width);
  json.key("active_counts"); // per width group; [] without groups
  json.beginArray();
  for (int64_t count : report.activeCounts)
    json.value(count);
  json.endArray();
  json.key("median_ms");
  json.value(roundMs(median(report.timesMs)));
  json.key("min_ms");
  json.value(roundMs(minimum(report.timesMs)));
  if (report.hasStream) {
    json.key("stream");
    writeSummary(json, report.stream);
  }
  if (profile) {
    json.key("profile");
    json.beginArray();
    for (const ProfileRow &row : report.profile) {
      json.beginObject();
      json.key("node");
      json.value(row.node);
      json.key("op_type");
      json.value(row.opType);
      json.key("ms");
      json.value(roundMs(row.msPerRun));
      json.key("percent");
      json.value(row.percent);
      json.key("calls");
      json.value(row.callsPerRun);
      json.endObject();
    }
    json.endArray();
  }
  json.endObject();
  std::printf("%s\n", json.str().c_str());
}

} // namespace mica::runner
