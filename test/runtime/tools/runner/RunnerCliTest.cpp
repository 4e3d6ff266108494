// The command line of `mica run` and `mica inspect` (docs/cli.md), through
// the mica-run tool run as a child process: exit codes, error lines, outputs,
// --json, --profile, inspect, and an arm64 artifact run under qemu.
//
// The test model "mix" (Inputs/mix_kernels.c) is serialised here with the
// compiler's artifact writer, once for x86-64 and once for AArch64.
#include "compiler/artifact/Artifact.h"
#include "compiler/artifact/ConstantEncoding.h"
#include "mica/runtime.h"
#include "runtime/tools/runner/json.h"
#include "runtime/tools/runner/tensor_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mica;
using runner::HostTensor;

namespace {

std::string tempDir() {
  static std::string dir = [] {
    std::string base = testing::TempDir();
    if (!base.empty() && base.back() == '/')
      base.pop_back();
    std::string pattern = base + "/mica-run-test-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back(0);
    const char *made = mkdtemp(buf.data());
    return std::string(made ? made : "/tmp");
  }();
  return dir;
}

// Removes the temporary directory after the last test.
class TempDirCleaner : public testing::Environment {
public:
  void TearDown() override {
    std::string dir = tempDir();
    if (dir.find("/mica-run-test-") != std::string::npos)
      EXPECT_EQ(std::system(("rm -rf '" + dir + "'").c_str()), 0);
  }
};
testing::Environment *const cleaner =
    testing::AddGlobalTestEnvironment(new TempDirCleaner);

std::string readText(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

struct Result {
  int code = -1;
  std::string out, err;
};

// Runs mica-run with `args` (and extra environment entries "NAME=VALUE").
Result runTool(const std::vector<std::string> &args,
               const std::vector<std::string> &env = {}) {
  std::string outPath = tempDir() + "/stdout", errPath = tempDir() + "/stderr";
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    for (const std::string &e : env)
      putenv(const_cast<char *>(e.c_str()));
    std::vector<char *> argv;
    argv.push_back(const_cast<char *>(MICA_RUN_PATH));
    for (const std::string &a : args)
      argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execv(MICA_RUN_PATH, argv.data());
    _exit(127);
  }
  Result result;
  int status = 0;
  waitpid(pid, &status, 0);
  // A signal is never an acceptable way to exit.
  EXPECT_TRUE(WIFEXITED(status)) << "mica-run died with a signal";
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = readText(outPath);
  result.err = readText(errPath);
  return result;
}

std::vector<uint8_t> fileBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

constexpr float kBias[3] = {0.5f, 0.25f, 0.125f};

// The "mix" model for `arch` ("x86_64" or "aarch64"), written to a file.
// `encoded`: its constants padded with 8 KiB of zeros and stored as
// zero_bitmap (compiler/artifact/ConstantEncoding.h). `width`: with the
// width groups of a --sortable-width build (conv1: 16 by 4, head: 3 by 4),
// which its kernel does not read.
std::string mixModel(const std::string &arch, bool encoded = false,
                     bool width = false) {
  std::string path = tempDir() + "/mix." + (encoded ? "encoded." : "") +
                     (width ? "width." : "") + arch + ".mica";
  if (std::ifstream(path))
    return path;
  artifact::Artifact a;
  a.producer = "mica-runner-test";
  bool arm = arch == "aarch64";
  a.targets.push_back({arm ? "arm64" : "host",
                       arch + "-unknown-linux-gnu",
                       arch,
                       "generic",
                       {}});
  artifact::Segment constants;
  const uint8_t *bias = reinterpret_cast<const uint8_t *>(kBias);
  constants.bytes.assign(bias, bias + sizeof(kBias));
  if (encoded)
    constants.bytes.resize(constants.bytes.size() + 8192, 0);
  artifact::Segment code;
  code.kind = artifact::SegmentKind::Code;
  code.target = 0;
  code.bytes = fileBytes(std::string(MICA_RUNNER_INPUTS_DIR) + "/mix_kernels." +
                         arch + ".o");
  a.segments = {constants, code};
  artifact::EntryPoint main;
  main.inputs = {{"a", MICA_DTYPE_FLOAT32, {-1, 3}, {4, 3}, {"N", ""}},
                 {"b", MICA_DTYPE_FLOAT32, {3}, {3}, {""}}};
  main.outputs = {{"sum/out", MICA_DTYPE_FLOAT32, {-1, 3}, {4, 3}, {"N", ""}},
                  {"count", MICA_DTYPE_INT64, {}, {}, {}}};
  main.steps = {{0, 1, "mica_runner_test_mix", {0, 1}}};
  main.arenaSize = 64;
  main.intermediatesSize = 256;
  a.entryPoints = {main};
  a.nodes = {{"add", "Add", 0, 0}, {"rows", "Shape", 0, 0}};
  a.reportJson = "{\"schema_version\":1,\"passes\":[\"fold\"]}";
  if (width)
    a.widthGroups = {{16, 4, "conv1", "Conv"}, {3, 4, "head", "MatMul"}};
  if (encoded)
    EXPECT_TRUE(artifact::encodeConstantSegments(a));
  writeBytes(path, artifact::serializeArtifact(a));
  return path;
}

std::string npyPath(const std::string &name, int32_t dtype,
                    std::vector<int64_t> shape,
                    const std::vector<uint8_t> &data) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = shape;
  t.data = data;
  std::vector<uint8_t> bytes;
  std::string error;
  EXPECT_TRUE(runner::encodeNpy(t, bytes, error)) << error;
  std::string path = tempDir() + "/" + name + ".npy";
  writeBytes(path, bytes);
  return path;
}

std::vector<uint8_t> floats(std::initializer_list<float> values) {
  const uint8_t *p = reinterpret_cast<const uint8_t *>(values.begin());
  return std::vector<uint8_t>(p, p + values.size() * sizeof(float));
}

// a: 2x3, b: 3 -- the inputs most cases use.
std::string inputA() {
  return npyPath("a", MICA_DTYPE_FLOAT32, {2, 3}, floats({1, 2, 3, 4, 5, 6}));
}
std::string inputB() {
  return npyPath("b", MICA_DTYPE_FLOAT32, {3}, floats({10, 20, 30}));
}

std::vector<float> expectedSum() {
  std::vector<float> sum;
  float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {10, 20, 30};
  for (int i = 0; i < 6; ++i)
    sum.push_back(a[i] + b[i % 3] + kBias[i % 3]);
  return sum;
}

void expectOutputs(const std::string &dir) {
  HostTensor sum, count;
  std::string error;
  ASSERT_TRUE(runner::readTensorFile(dir + "/sum_out.npy", sum, error))
      << error;
  EXPECT_EQ(sum.dtype, MICA_DTYPE_FLOAT32);
  EXPECT_EQ(sum.shape, (std::vector<int64_t>{2, 3}));
  std::vector<float> values(6);
  ASSERT_EQ(sum.data.size(), 24u);
  std::memcpy(values.data(), sum.data.data(), 24);
  EXPECT_EQ(values, expectedSum());
  ASSERT_TRUE(runner::readTensorFile(dir + "/count.npy", count, error))
      << error;
  EXPECT_EQ(count.dtype, MICA_DTYPE_INT64);
  EXPECT_TRUE(count.shape.empty());
  int64_t n = 0;
  ASSERT_EQ(count.data.size(), 8u);
  std::memcpy(&n, count.data.data(), 8);
  EXPECT_EQ(n, 2);
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(RunnerCliTest, UsageErrorsExitWith2) {
  std::string model = mixModel("x86_64");
  struct Case {
    std::vector<std::string> args;
    const char *message;
  } cases[] = {
      {{}, "mica-run: error: no command given"},
      {{"compile"}, "mica-run: error: unknown command"},
      {{"run"}, "mica run: error: no model given"},
      {{"run", model, "--bogus"}, "unknown option '--bogus'"},
      {{"run", model, "--repeat"}, "--repeat needs a value"},
      {{"run", model, "--repeat", "x"}, "--repeat expects an integer"},
      {{"run", model, "--repeat=0"}, "at least 1, got '0'"},
      {{"run", model, "--threads", "0"}, "--threads expects an integer"},
      {{"run", model, "--warmup", "-1"}, "--warmup expects an integer"},
      {{"run", model, "--json=yes"}, "--json takes no value"},
      {{"run", model, "--input="}, "--input needs a file"},
      {{"run", model, model}, "more than one model given"},
      {{"inspect"}, "mica inspect: error: no model given"},
      {{"inspect", model, "--profile"}, "unknown option '--profile'"},
      {{"inspect", model, model}, "more than one model"},
  };
  for (const Case &c : cases) {
    Result r = runTool(c.args);
    std::string line;
    for (const std::string &a : c.args)
      line += a + " ";
    EXPECT_EQ(r.code, 2) << line << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << line << r.err;
    EXPECT_EQ(r.out, "") << line;
    // One line.
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(RunnerCliTest, HelpExplainsEveryOption) {
  Result r = runTool({"run", "--help"});
  EXPECT_EQ(r.code, 0);
  for (const char *option :
       {"--input", "--output-dir", "--repeat", "--warmup", "--threads",
        "--entry", "--width", "--poison-arena", "--profile", "--json", "--help",
        "Exit codes"})
    EXPECT_TRUE(contains(r.out, option)) << option;
  r = runTool({"inspect", "-h"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "--json"));
  r = runTool({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "mica-run run"));
}

TEST(RunnerCliTest, ErrorsExitWith1AndNameTheProblem) {
  std::string model = mixModel("x86_64");
  std::string a = inputA(), b = inputB();
  std::string int64Input =
      npyPath("a_int64", MICA_DTYPE_INT64, {2, 3}, std::vector<uint8_t>(48));
  std::string rank1 =
      npyPath("a_rank1", MICA_DTYPE_FLOAT32, {6}, std::vector<uint8_t>(24));
  std::string wide =
      npyPath("a_wide", MICA_DTYPE_FLOAT32, {2, 4}, std::vector<uint8_t>(32));
  std::string tall =
      npyPath("a_tall", MICA_DTYPE_FLOAT32, {5, 3}, std::vector<uint8_t>(60));
  std::string garbage = tempDir() + "/garbage.npy";
  writeBytes(garbage, {0x93, 'N', 'U', 'M', 'P', 'Y', 9, 0});
  std::string notModel = tempDir() + "/not_a_model.mica";
  writeBytes(notModel, std::vector<uint8_t>(200, 7));
  struct Case {
    std::vector<std::string> args;
    std::vector<const char *> messages;
  } cases[] = {
      {{"run", tempDir() + "/missing.mica"}, {"missing.mica"}},
      {{"run", notModel}, {"not_a_model.mica"}},
      {{"inspect", notModel}, {"mica inspect: error:", "not_a_model.mica"}},
      {{"inspect", tempDir() + "/missing.mica"}, {"cannot open"}},
      {{"run", model}, {"missing input 'a' (float32 ?x3), 'b' (float32 3)"}},
      {{"run", model, "--input", "a=" + a},
       {"missing input 'b'", "--input NAME=FILE.npy"}},
      {{"run", model, "--input", "c=" + a}, {"no input named 'c'", "'a', 'b'"}},
      {{"run", model, "--input", "a=" + a, "--input", "a=" + a},
       {"input 'a' is given more than once"}},
      {{"run", model, "--input", a, "--input", b, "--input", b},
       {"3 --input files given, the model has 2 inputs"}},
      {{"run", model, "--input", int64Input, "--input", b},
       {"input 'a'", "holds int64 data, the model expects float32"}},
      {{"run", model, "--input", rank1, "--input", b},
       {"input 'a'", "has shape 6, the model expects ?x3 (rank 2)"}},
      {{"run", model, "--input", wide, "--input", b},
       {"has shape 2x4, the model expects ?x3"}},
      {{"run", model, "--input", tall, "--input", b},
       {"has shape 5x3", "dimension 0 at most 4"}},
      {{"run", model, "--input", garbage, "--input", b},
       {"input 'a'", "garbage.npy: invalid .npy file"}},
      {{"run", model, "--input", "b=" + tempDir() + "/nope.npy", "--input", a},
       {"input 'b'", "nope.npy: cannot open"}},
      {{"run", model, "--entry", "other", "--input", a, "--input", b},
       {"no entry point named 'other'"}},
      {{"run", model, "--input", a, "--input", b, "--output-dir", garbage},
       {"garbage.npy"}},
  };
  for (const Case &c : cases) {
    Result r = runTool(c.args);
    std::string line;
    for (const std::string &arg : c.args)
      line += arg + " ";
    EXPECT_EQ(r.code, 1) << line << r.err;
    for (const char *message : c.messages)
      EXPECT_TRUE(contains(r.err, message))
          << line << "\nexpected: " << message << "\ngot: " << r.err;
    EXPECT_TRUE(r.err.rfind("mica ", 0) == 0) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST(RunnerCliTest, RunsAndWritesOutputs) {
  std::string model = mixModel("x86_64");
  std::string dir = tempDir() + "/out/nested";
  // By name, in any order.
  Result r = runTool({"run", model, "--input", "b=" + inputB(), "--input",
                      "a=" + inputA(), "--output-dir", dir});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(
      contains(r.out, "sum/out: float32 2x3 -> " + dir + "/sum_out.npy"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "count: int64 scalar -> " + dir + "/count.npy"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "time: median")) << r.out;
  expectOutputs(dir);

  // In signature order, mixed with a name, from a TensorProto file.
  std::string pb = tempDir() + "/b.pb";
  std::vector<uint8_t> proto = {0x08, 0x03, 0x10, 0x01, 0x4a, 0x0c};
  std::vector<uint8_t> data = floats({10, 20, 30});
  proto.insert(proto.end(), data.begin(), data.end());
  writeBytes(pb, proto);
  std::string dir2 = tempDir() + "/out2";
  r = runTool({"run", model, "--input", "b=" + pb, "--input", inputA(),
               "--output-dir", dir2});
  ASSERT_EQ(r.code, 0) << r.err;
  expectOutputs(dir2);
}

TEST(RunnerCliTest, SummaryWithoutOutputDir) {
  Result r = runTool(
      {"run", mixModel("x86_64"), "--input", inputA(), "--input", inputB()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "sum/out: float32 2x3 [11.5, 22.25, 33.125, "
                              "14.5, 25.25, 36.125]"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "count: int64 scalar [2]")) << r.out;
  EXPECT_TRUE(contains(r.out, "(1 run, 0 warmup, 1 thread)")) << r.out;
}

TEST(RunnerCliTest, JsonIsOneDocument) {
  std::string dir = tempDir() + "/json";
  Result r = runTool({"run", mixModel("x86_64"), "--input", inputA(), "--input",
                      inputB(), "--json", "--repeat", "5", "--warmup=2",
                      "--threads", "2", "--output-dir", dir});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_FALSE(r.out.empty());
  std::string doc = r.out.substr(0, r.out.size() - 1);
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_TRUE(runner::isValidJson(doc)) << r.out;
  for (const char *part :
       {"{\"schema_version\":1,",
        "\"outputs\":[{\"name\":\"sum/out\",\"file\":",
        "\"shape\":[2,3],\"dtype\":\"float32\"}",
        "{\"name\":\"count\",\"file\":", "\"shape\":[],\"dtype\":\"int64\"}",
        "\"runs\":5", "\"warmup\":2", "\"threads\":2",
        "\"median_ms\":", "\"min_ms\":"})
    EXPECT_TRUE(contains(doc, part)) << part << "\n" << doc;
  EXPECT_FALSE(contains(doc, "\"profile\""));
  expectOutputs(dir);

  // No --output-dir: "file" is null.
  r = runTool({"run", mixModel("x86_64"), "--input", inputA(), "--input",
               inputB(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"file\":null")) << r.out;
}

TEST(RunnerCliTest, Profile) {
  Result r = runTool({"run", mixModel("x86_64"), "--input", inputA(), "--input",
                      inputB(), "--profile", "--repeat", "3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "profile (per run, slowest first):")) << r.out;
  EXPECT_TRUE(contains(r.out, "Add")) << r.out;
  EXPECT_TRUE(contains(r.out, " add\n")) << r.out;
  EXPECT_TRUE(contains(r.out, " rows\n")) << r.out;

  r = runTool({"run", mixModel("x86_64"), "--input", inputA(), "--input",
               inputB(), "--profile", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(runner::isValidJson(r.out.substr(0, r.out.size() - 1))) << r.out;
  EXPECT_TRUE(contains(r.out, "\"profile\":[{\"node\":")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"op_type\":\"Shape\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"calls\":1")) << r.out;
}

TEST(RunnerCliTest, Inspect) {
  for (const char *arch : {"x86_64", "aarch64"}) {
    std::string model = mixModel(arch);
    Result r = runTool({"inspect", model});
    ASSERT_EQ(r.code, 0) << r.err;
    for (std::string part :
         {std::string("format: 1."), std::string("producer: mica-runner-test"),
          std::string("target: ") +
              (std::string(arch) == "aarch64"
                   ? "arm64 (aarch64-unknown-linux-gnu"
                   : "host (x86_64-unknown-linux-gnu") +
              ", cpu generic, features none)",
          std::string("content hash: 0x"), std::string("segments: 2"),
          std::string("constants offset"), std::string("code      offset"),
          std::string("entry points: 1"),
          std::string("      a: float32 ?x3 (max 4x3)"),
          std::string("      b: float32 3\n"),
          std::string("      count: int64 scalar"),
          std::string("plan: 1 step\n      0 mica_runner_test_mix"),
          std::string("memory: arena 64 B, intermediates 256 B without reuse "
                      "(saving 75.0%)"),
          std::string("nodes: 2"),
          std::string("compile report: 38 bytes of JSON")})
      EXPECT_TRUE(contains(r.out, part)) << part << "\n" << r.out;

    r = runTool({"inspect", model, "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    std::string doc = r.out.substr(0, r.out.size() - 1);
    EXPECT_TRUE(runner::isValidJson(doc)) << doc;
    for (const char *part :
         {"\"schema_version\":1", "\"format_version\":\"1.", "\"features\":[]",
          "\"content_hash\":\"", "\"kind\":\"constants\"", "\"kind\":\"code\"",
          "{\"name\":\"a\",\"dtype\":\"float32\",\"shape\":[\"?\",3],"
          "\"max_shape\":[4,3]}",
          "\"steps\":[\"mica_runner_test_mix\"]", "\"arena_size\":64",
          "\"intermediates_size\":256", "\"memory_saving_percent\":75",
          "\"num_nodes\":2",
          "\"report\":{\"schema_version\":1,\"passes\":[\"fold\"]}"})
      EXPECT_TRUE(contains(doc, part)) << part << "\n" << doc;
  }
}

// An encoded constants segment: inspect shows stored and decoded sizes (raw
// segments keep their line), and run sees the decoded bytes.
TEST(RunnerCliTest, EncodedConstants) {
  std::string model = mixModel("x86_64", /*encoded=*/true);
  Result r = runTool({"inspect", model});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char *part :
       {"requires: encoded_constants", "stored (zero_bitmap), 8204 decoded "
                                       "(8204 B)\n  #1 code      offset"})
    EXPECT_TRUE(contains(r.out, part)) << part << "\n" << r.out;

  r = runTool({"inspect", model, "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"encoding\":\"zero_bitmap\","
                              "\"decoded_size\":8204}"))
      << r.out;
  Result raw = runTool({"inspect", mixModel("x86_64"), "--json"});
  EXPECT_FALSE(contains(raw.out, "\"encoding\"")) << raw.out;

  std::string dir = tempDir() + "/out-encoded";
  r = runTool({"run", model, "--input", inputA(), "--input", inputB(),
               "--output-dir", dir});
  ASSERT_EQ(r.code, 0) << r.err;
  expectOutputs(dir);
}

// numpy reads what mica run writes (when Debian's python3-numpy is there).
TEST(RunnerCliTest, NumpyReadsOutputs) {
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
    GTEST_SKIP() << "no python3-numpy";
  std::string dir = tempDir() + "/numpy";
  Result r = runTool({"run", mixModel("x86_64"), "--input", inputA(), "--input",
                      inputB(), "--output-dir", dir});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string script =
      "import numpy as n; s = n.load('" + dir + "/sum_out.npy'); c = n.load('" +
      dir +
      "/count.npy'); "
      "assert s.dtype == n.float32 and s.shape == (2, 3), s; "
      "assert (s == n.array([[1, 2, 3], [4, 5, 6]], n.float32) + "
      "n.array([10.5, 20.25, 30.125], n.float32)).all(), s; "
      "assert c.dtype == n.int64 and c.shape == () and c == 2, c";
  EXPECT_EQ(std::system(("/usr/bin/python3 -c \"" + script + "\"").c_str()), 0);
}

// An arm64 artifact on x86-64: mica-run hands it to bin/mica-run-arm64 under
// qemu-aarch64, transparently.
TEST(RunnerCliTest, Arm64ArtifactRunsUnderQemu) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "only on x86-64 hosts";
#endif
  std::string model = mixModel("aarch64");
  std::string runner = std::string(MICA_RUN_PATH) + "-arm64";
  bool haveQemu = std::system("command -v qemu-aarch64 >/dev/null") == 0;
  if (!haveQemu || access(runner.c_str(), X_OK) != 0)
    GTEST_SKIP() << "no qemu-aarch64 or no " << runner;
  std::string dir = tempDir() + "/arm64";
  Result r =
      runTool({"run", model, "--input", inputA(), "--input", "b=" + inputB(),
               "--output-dir", dir, "--json", "--profile"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(runner::isValidJson(r.out.substr(0, r.out.size() - 1))) << r.out;
  expectOutputs(dir);
  // The arm64 runner's errors pass through with their exit code.
  r = runTool({"run", model, "--input", inputA()});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "mica run: error: missing input 'b'")) << r.err;
}

TEST(RunnerCliTest, Arm64WithoutRunnerOrQemu) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "only on x86-64 hosts";
#endif
  std::string model = mixModel("aarch64");
  Result r = runTool({"run", model},
                     {"MICA_RUN_ARM64=" + tempDir() + "/no-such-runner"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "compiled for aarch64-unknown-linux-gnu"))
      << r.err;
  EXPECT_TRUE(contains(r.err, "no-such-runner, which is missing")) << r.err;
  r = runTool({"run", model},
              {"MICA_RUN_ARM64=/bin/true", "MICA_QEMU_AARCH64=/no/such/qemu"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "needs qemu-aarch64")) << r.err;
}

// --width: checked as a number in (0, 1], refused below 1 for a model
// without width groups, reported in the run report; inspect lists the
// groups.
TEST(RunnerCliTest, Width) {
  std::string plain = mixModel("x86_64");
  for (const char *bad : {"0", "-0.5", "1.5", "abc", "nan", "0.5x", ""}) {
    Result r = runTool({"run", plain, "--width", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_TRUE(contains(r.err, "--width expects a number in (0, 1], got '" +
                                    std::string(bad) + "'"))
        << r.err;
  }
  Result r = runTool({"run", plain, "--input", inputA(), "--input", inputB(),
                      "--width", "0.5"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "mica run: error: "));
  EXPECT_TRUE(contains(r.err, "--width 0.5 needs") &&
              contains(r.err, "needs a model compiled with --sortable-width "
                              "(this one has no width groups)"))
      << r.err;
  r = runTool({"run", plain, "--input", inputA(), "--input", inputB(),
               "--width=1", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"width\":1,\"active_counts\":[],")) << r.out;

  std::string width = mixModel("x86_64", false, /*width=*/true);
  r = runTool({"run", width, "--input", inputA(), "--input", inputB(),
               "--width", "0.5"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "width: 0.5 (active channels per width group: 8 "
                              "3)\n"))
      << r.out;
  r = runTool({"run", width, "--input", inputA(), "--input", inputB(),
               "--width", "0.25", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"width\":0.25,\"active_counts\":[4,3],"))
      << r.out;

  r = runTool({"inspect", width});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "width groups: 2\n  #0 conv1 (Conv): channels "
                              "16, round 4\n  #1 head (MatMul): channels 3, "
                              "round 4\n"))
      << r.out;
  r = runTool({"inspect", width, "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"width_groups\":[{\"index\":0,\"node\":"
                              "\"conv1\",\"op\":\"Conv\",\"channels\":16,"
                              "\"round\":4},{\"index\":1,"))
      << r.out;
  r = runTool({"inspect", plain});
  EXPECT_FALSE(contains(r.out, "width groups")) << r.out;
  r = runTool({"inspect", plain, "--json"});
  EXPECT_TRUE(contains(r.out, "\"width_groups\":[]")) << r.out;
}

// --poison-arena fills the arena before every run; a model whose kernels
// write their scratch before reading it gives the same outputs.
TEST(RunnerCliTest, PoisonArena) {
  std::string dir = tempDir() + "/out-poison";
  Result r = runTool({"run", mixModel("x86_64"), "--input", inputA(), "--input",
                      inputB(), "--poison-arena", "--warmup", "1", "--repeat",
                      "2", "--output-dir", dir});
  ASSERT_EQ(r.code, 0) << r.err;
  expectOutputs(dir);
  r = runTool({"run", mixModel("x86_64"), "--poison-arena=yes"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "--poison-arena takes no value")) << r.err;
}

} // namespace
