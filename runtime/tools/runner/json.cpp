//===- json.cpp - Writing and reading JSON --------------------------------===//
#include "runtime/tools/runner/json.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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

const JsonValue *JsonValue::get(const std::string &name) const {
  for (const auto &member : members)
    if (member.first == name)
      return &member.second;
  return nullptr;
}

namespace {

class Parser {
public:
  explicit Parser(const std::string &text)
      : p(text.data()), end(text.data() + text.size()) {}

  bool document(JsonValue &out) {
    if (!value(out, 0))
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
  bool number(JsonValue &out) {
    const char *start = p;
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
    out.kind = JsonValue::Kind::Number;
    out.number = std::strtod(std::string(start, p).c_str(), nullptr);
    return true;
  }
  /// Four hex digits after `\u`.
  bool hex4(uint32_t &code) {
    code = 0;
    for (int i = 0; i < 4; ++i) {
      ++p;
      if (p == end || !std::isxdigit((unsigned char)*p))
        return false;
      char c = *p;
      code = code * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return true;
  }
  static void appendUtf8(std::string &out, uint32_t code) {
    if (code < 0x80) {
      out += (char)code;
    } else if (code < 0x800) {
      out += (char)(0xc0 | (code >> 6));
      out += (char)(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out += (char)(0xe0 | (code >> 12));
      out += (char)(0x80 | ((code >> 6) & 0x3f));
      out += (char)(0x80 | (code & 0x3f));
    } else {
      out += (char)(0xf0 | (code >> 18));
      out += (char)(0x80 | ((code >> 12) & 0x3f));
      out += (char)(0x80 | ((code >> 6) & 0x3f));
      out += (char)(0x80 | (code & 0x3f));
    }
  }
  bool string(std::string &out) {
    ++p; // the opening quote
    while (p < end && *p != '"') {
      unsigned char c = (unsigned char)*p;
      if (c < 0x20)
        return false;
      if (c != '\\') {
        out += (char)c;
        ++p;
        continue;
      }
      if (++p == end)
        return false;
      switch (*p) {
      case 'u': {
        uint32_t code = 0;
        if (!hex4(code))
          return false;
        // A high surrogate followed by an escaped low one is one character.
        if (code >= 0xd800 && code < 0xdc00 && end - p > 2 && p[1] == '\\' &&
            p[2] == 'u') {
          const char *back = p;
          p += 2;
          uint32_t low = 0;
          if (!hex4(low))
            return false;
          if (low >= 0xdc00 && low < 0xe000)
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          else
            p = back;
        }
        appendUtf8(out, code);
        break;
      }
      case '"':
      case '\\':
      case '/':
        out += *p;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      default:
        return false;
      }
      ++p;
    }
    if (p == end)
      return false;
    ++p;
    return true;
  }
  bool value(JsonValue &out, int depth) {
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
      out.kind = object ? JsonValue::Kind::Object : JsonValue::Kind::Array;
      ++p;
      space();
      if (p < end && *p == close) {
        ++p;
        return true;
      }
      while (true) {
        JsonValue *item;
        if (object) {
          space();
          std::string name;
          if (p == end || *p != '"' || !string(name))
            return false;
          space();
          if (p == end || *p++ != ':')
            return false;
          out.members.emplace_back(std::move(name), JsonValue());
          item = &out.members.back().second;
        } else {
          out.items.emplace_back();
          item = &out.items.back();
        }
        if (!value(*item, depth + 1))
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
      out.kind = JsonValue::Kind::String;
      return string(out.string);
    case 't':
      out.kind = JsonValue::Kind::Bool;
      out.boolean = true;
      return literal("true");
    case 'f':
      out.kind = JsonValue::Kind::Bool;
      return literal("false");
    case 'n':
      return literal("null");
    default:
      return number(out);
    }
  }

  const char *p, *end;
};

} // namespace

bool parseJson(const std::string &text, JsonValue &out) {
  out = JsonValue();
  return Parser(text).document(out);
}

bool isValidJson(const std::string &text) {
  JsonValue ignored;
  return parseJson(text, ignored);
}

} // namespace mica::runner
