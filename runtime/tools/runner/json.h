//===- json.h - Writing and reading JSON ------------------------*- C++ -*-===//
#ifndef MICA_RUNTIME_TOOLS_RUNNER_JSON_H
#define MICA_RUNTIME_TOOLS_RUNNER_JSON_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mica::runner {

/// Appends JSON to a string, placing commas itself: call key() before each
/// value inside an object.
class JsonWriter {
public:
  void beginObject() { open('{'); }
  void endObject() { close('}'); }
  void beginArray() { open('['); }
  void endArray() { close(']'); }
  void key(const std::string &name);
  void value(const std::string &text);
  void value(const char *text) { value(std::string(text ? text : "")); }
  void value(int64_t number);
  void value(uint64_t number);
  void value(int number) { value((int64_t)number); }
  void value(unsigned number) { value((uint64_t)number); }
  void value(double number);
  void value(bool flag);
  void null();
  /// Inserts already-serialized JSON (checked by the caller).
  void raw(const std::string &json);

  const std::string &str() const { return out; }

private:
  void open(char c);
  void close(char c);
  void separate();
  std::string out;
  bool needComma = false;
  bool afterKey = false;
};

/// `text` quoted and escaped as a JSON string.
std::string jsonQuote(const std::string &text);

/// A JSON value as read (`mica inspect` reads the compile report): objects
/// keep their members in order.
struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string, JsonValue>> members;

  /// The member `name` of an object (the first, if repeated), or null.
  const JsonValue *get(const std::string &name) const;
};

/// Reads `text` when it is exactly one well-formed JSON value (RFC 8259),
/// with nesting at most 256 deep; false (and `out` unspecified) otherwise.
bool parseJson(const std::string &text, JsonValue &out);

/// True when parseJson would accept `text`.
bool isValidJson(const std::string &text);

} // namespace mica::runner

#endif // MICA_RUNTIME_TOOLS_RUNNER_JSON_H
