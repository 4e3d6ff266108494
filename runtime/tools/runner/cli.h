//===- cli.h - What `mica run` and `mica inspect` share ---------*- C++ -*-===//
#ifndef MICA_RUNTIME_TOOLS_RUNNER_CLI_H
#define MICA_RUNTIME_TOOLS_RUNNER_CLI_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mica::runner {

/// Exit codes of docs/cli.md.
enum ExitCode : int { kOk = 0, kError = 1, kUsage = 2 };

/// Bumped when a JSON output changes incompatibly.
constexpr int kJsonSchemaVersion = 1;

/// Prints `mica COMMAND: error: MESSAGE` on stderr; returns `code`.
int fail(const char *command, int code, const std::string &message);

/// Splits argv into options and positionals. Options are `--name`,
/// `--name=value` or `--name value`; `--` ends the options.
class ArgScanner {
public:
  ArgScanner(int argc, char **argv) : argc(argc), argv(argv) {}
  /// Advances to the next argument; false at the end.
  bool next();
  /// True when the current argument is the option `name` ("--repeat"); a
  /// `--name=value` form keeps its value for takeValue().
  bool is(const char *name);
  /// The current option's value (inline or the next argument); false when
  /// there is none.
  bool takeValue(std::string &value);
  /// True when the current option was given as `--name=value`.
  bool hasInlineValue() const { return hasInline; }
  bool isOption() const {
    return current.size() > 1 && current[0] == '-' && !afterDashes;
  }
  const std::string &arg() const { return current; }

private:
  int argc;
  char **argv;
  int index = 0;
  bool afterDashes = false;
  std::string current;
  std::string inlineValue;
  bool hasInline = false;
};

/// Parses a decimal count in [minimum, 1e9].
bool parseCount(const std::string &text, long minimum, long &value);

/// A file mapped read-only.
class MappedFile {
public:
  MappedFile() = default;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();
  bool open(const std::string &path, std::string &error);
  const void *data() const { return bytes; }
  size_t size() const { return length; }

private:
  void *bytes = nullptr;
  size_t length = 0;
};

/// Seconds on CLOCK_MONOTONIC.
double monotonicSeconds();

} // namespace mica::runner

#endif // MICA_RUNTIME_TOOLS_RUNNER_CLI_H
