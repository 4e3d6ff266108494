// The JSON writer and reader of mica run / mica inspect.
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

TEST(JsonTest, ReaderKeepsValuesAndOrder) {
  JsonValue v;
  ASSERT_TRUE(parseJson(" {\"b\": [1, -2.5e1, true, null], \"a\": {\"s\": "
                        "\"x\\\"\\u00e9\\ud83d\\ude00\\n\"}} ",
                        v));
  ASSERT_EQ(v.kind, JsonValue::Kind::Object);
  ASSERT_EQ(v.members.size(), 2u);
  EXPECT_EQ(v.members[0].first, "b"); // as written, not sorted
  const JsonValue *list = v.get("b");
  ASSERT_TRUE(list && list->kind == JsonValue::Kind::Array);
  ASSERT_EQ(list->items.size(), 4u);
  EXPECT_EQ(list->items[0].number, 1.0);
  EXPECT_EQ(list->items[1].number, -25.0);
  EXPECT_TRUE(list->items[2].boolean);
  EXPECT_EQ(list->items[3].kind, JsonValue::Kind::Null);
  const JsonValue *s = v.get("a")->get("s");
  ASSERT_TRUE(s && s->kind == JsonValue::Kind::String);
  EXPECT_EQ(s->string, "x\"\xc3\xa9\xf0\x9f\x98\x80\n");
  EXPECT_EQ(v.get("missing"), nullptr);
  EXPECT_EQ(list->get("b"), nullptr); // not an object
}

} // namespace
