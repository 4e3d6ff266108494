// The JSON writer and validator of mica run / mica inspect.
#include "runtime/tools/runner/json.h"

#include <gtest/gtest.h>

using namespace mica::runner;

namespace {

TEST(JsonTest, WriterPlacesCommasAndEscapes) {
  JsonWriter w;
  w.beginObject();
  w.key("a");
  w.value("q\"b\\s\n\x01");
  w.key("list");
  w.beginArray();
  w.value(1);
  w.value((int64_t)-2);
  w.value(0.5);
  w.null();
  w.value(true);
  w.beginObject();
  w.endObject();
  w.endArray();
  w.key("raw");
  w.raw("{\"x\":[]}");
  w.endObject();
  EXPECT_EQ(w.str(), "{\"a\":\"q\\\"b\\\\s\\n\\u0001\",\"list\":[1,-2,0.5,"
                     "null,true,{}],\"raw\":{\"x\":[]}}");
  EXPECT_TRUE(isValidJson(w.str()));
}

TEST(JsonTest, NonFiniteNumbersBecomeNull) {
  JsonWriter w;
  w.beginArray();
  w.value(1.0 / 0.0);
  w.endArray();
  EXPECT_EQ(w.str(), "[null]");
}

TEST(JsonTest, Validator) {
  for (const char *good :
       {"{}", "[]", "0", "-1.5e+3", "\"\\u00e9\"",
        " {\"a\" : [1, {\"b\": null}]} ", "true", "[false,\"x\"]"})
    EXPECT_TRUE(isValidJson(good)) << good;
  for (const char *bad :
       {"", "{", "[1,]", "{\"a\"}", "{a:1}", "01", "1.", "\"\x01\"", "nul",
        "[1] [2]", "\"\\x\"", "{\"a\":1,}", "-", "[\"unterminated]"})
    EXPECT_FALSE(isValidJson(bad)) << bad;
  EXPECT_FALSE(isValidJson(std::string(1000, '[') + std::string(1000, ']')));
}

} // namespace
