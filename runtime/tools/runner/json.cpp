//===- json.cpp - Writing JSON, and checking text is JSON -----------------===//
#include "runtime/tools/runner/json.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace mica::runner {

std::string jsonQuote(const std::string &text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out += (char)c;
      }
    }
  }
  return out + "\"";
}

void JsonWriter::separate() {
  if (afterKey) {
    afterKey = false;
    return;
  }
  if (needComma)
    out += ',';
}

void JsonWriter::open(char c) {
  separate();
  out += c;
  needComma = false;
}

void JsonWriter::close(char c) {
  out += c;
  needComma = true;
}

void JsonWriter::key(const std::string &name) {
  separate();
  out += jsonQuote(name);
  out += ':';
  afterKey = true;
}

void JsonWriter::value(const std::string &text) {
  separate();
  out += jsonQuote(text);
  needComma = true;
}

void JsonWriter::value(int64_t number) {
  separate();
  out += std::to_string(number);
  needComma = true;
}

void JsonWriter::value(uint64_t number) {
  separate();
  out += std::to_string(number);
  needComma = true;
}

void JsonWriter::value(double number) {
  separate();
  if (std::isfinite(number)) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", number);
    out += buf;
  } else {
    out += "null";
  }
  needComma = true;
}

void JsonWriter::value(bool flag) {
  separate();
  out += flag ? "true" : "false";
  needComma = true;
}

void JsonWriter::null() {
  separate();
  out += "null";
  needComma = true;
}

void JsonWriter::raw(const std::string &json) {
  separate();
  out += json;
  needComma = true;
}

namespace {

class Validator {
public:
  explicit Validator(const std::string &text)
      : p(text.data()), end(text.data() + text.size()) {}

  bool document() {
    if (!value(0))
      return false;
    space();
    return p == end;
  }

private:
  void space() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      ++p;
  }
  bool literal(const char *word) {
    for (; *word; ++word, ++p)
      if (p == end || *p != *word)
        return false;
    return true;
  }
  bool digits() {
    if (p == end || *p < '0' || *p > '9')
      return false;
    while (p < end && *p >= '0' && *p <= '9')
      ++p;
    return true;
  }
  bool number() {
    if (p < end && *p == '-')
      ++p;
    if (p < end && *p == '0')
      ++p;
    else if (!digits())
      return false;
    if (p < end && *p == '.') {
      ++p;
      if (!digits())
        return false;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < end && (*p == '+' || *p == '-'))
        ++p;
      if (!digits())
        return false;
    }
    return true;
  }
  bool string() {
    ++p; // the opening quote
    while (p < end && *p != '"') {
      unsigned char c = (unsigned char)*p;
      if (c < 0x20)
        return false;
      if (c == '\\') {
        if (++p == end)
          return false;
        if (*p == 'u') {
          for (int i = 0; i < 4; ++i) {
            ++p;
            if (p == end || !std::isxdigit((unsigned char)*p))
              return false;
          }
        } else if (!std::strchr("\"\\/bfnrt", *p)) {
          return false;
        }
      }
      ++p;
    }
    if (p == end)
      return false;
    ++p;
    return true;
  }
  bool value(int depth) {
    if (depth > 256)
      return false;
    space();
    if (p == end)
      return false;
    switch (*p) {
    case '{':
    case '[': {
      char close = *p == '{' ? '}' : ']';
      bool object = *p == '{';
      ++p;
      space();
      if (p < end && *p == close) {
        ++p;
        return true;
      }
      while (true) {
        if (object) {
          space();
          if (p == end || *p != '"' || !string())
            return false;
          space();
          if (p == end || *p++ != ':')
            return false;
        }
        if (!value(depth + 1))
          return false;
        space();
        if (p == end)
          return false;
        if (*p == close) {
          ++p;
          return true;
        }
        if (*p++ != ',')
          return false;
      }
    }
    case '"':
      return string();
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default:
      return number();
    }
  }

  const char *p, *end;
};

} // namespace

bool isValidJson(const std::string &text) { return Validator(text).document(); }

} // namespace mica::runner
