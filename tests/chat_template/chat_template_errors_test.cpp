// Failure behaviour of the chat-template renderer: unsupported constructs,
// syntax errors and raise_exception give a TemplateError naming template, line and
// column; hostile templates (unbounded recursion, huge loops, exploding strings,
// deep nesting) stop with an error quickly instead of hanging or exhausting memory.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "chat_template/chat_template.h"
#include "util/error.h"

using polysafe::TemplateError;
using polysafe::chat_template::ChatMessage;
using polysafe::chat_template::ChatTemplate;

namespace {

// Parses and renders with two messages; returns the TemplateError message ("" if none).
std::string error_of(const std::string& source) {
  try {
    auto t = ChatTemplate::parse(source, "t");
    t.render_chat({{"user", "hi"}, {"assistant", "yo"}}, true, "<s>", "</s>");
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "";
}

std::string render(const std::string& source) {
  return ChatTemplate::parse(source, "t").render_chat({{"user", "hi"}, {"assistant", "yo"}}, true, "<s>", "</s>");
}

}  // namespace

TEST(ChatTemplateErrors, UnsupportedTagsNameLineColumnAndConstruct) {
  EXPECT_EQ(error_of("line one\n  {% extends 'base.html' %}"),
            "t:2:6: unsupported construct: the 'extends' tag is not supported in chat templates");
  EXPECT_EQ(error_of("{% include 'x' %}"), "t:1:4: unsupported construct: the 'include' tag is not supported in chat templates");
  EXPECT_EQ(error_of("{% block body %}{% endblock %}"),
            "t:1:4: unsupported construct: the 'block' tag is not supported in chat templates");
  EXPECT_EQ(error_of("{% for m in messages recursive %}{% endfor %}"),
            "t:1:22: unsupported construct: recursive for loops are not supported");
  EXPECT_EQ(error_of("{{ 'x'|wordwrap(3) }}"), "t:1:8: unsupported construct: filter 'wordwrap' is not supported");
  EXPECT_EQ(error_of("{{ x|nosuchfilter }}"), "t:1:6: No filter named 'nosuchfilter'.");
  EXPECT_EQ(error_of("{{ x is nosuchtest }}"), "t:1:6: No test named 'nosuchtest'.");
  EXPECT_EQ(error_of("{% frobnicate %}"), "t:1:4: unknown tag 'frobnicate'");
}

TEST(ChatTemplateErrors, SyntaxErrorsArePositioned) {
  EXPECT_EQ(error_of("{% if x %}never closed"),
            "t:1:23: unexpected end of template: the 'if' block is not closed (expected 'elif' or 'else' or 'endif')");
  EXPECT_EQ(error_of("ok\n{{ 1 + }}"), "t:2:8: unexpected 'end of print statement'");
  EXPECT_EQ(error_of("{{ 'unterminated }}"), "t:1:4: unexpected char \"'\"");
  EXPECT_EQ(error_of("{# never closed"), "t:1:1: Missing end of comment tag");
  EXPECT_EQ(error_of("{% break %}"), "t:1:4: 'break' outside of a for loop");
  EXPECT_EQ(error_of("{{ (1 }}"), "t:1:7: unexpected '}', expected ')'");
  EXPECT_EQ(error_of("{% endif %}"), "t:1:4: unexpected 'endif' (no open block expects it here)");
}

TEST(ChatTemplateErrors, RaiseExceptionCarriesMessageAndPosition) {
  std::string src =
      "{% for m in messages %}\n"
      "{% if m.role == 'assistant' %}\n"
      "   {{ raise_exception('Roles must alternate: got ' ~ m.role ~ ' at ' ~ loop.index) }}\n"
      "{% endif %}{% endfor %}";
  EXPECT_EQ(error_of(src), "t:3:7: Roles must alternate: got assistant at 2");
  try {
    render(src);
    FAIL() << "expected TemplateError";
  } catch (const polysafe::Error& e) {  // TemplateError is a polysafe::Error for the CLI
    EXPECT_NE(std::string(e.what()).find("Roles must alternate"), std::string::npos);
  }
}

TEST(ChatTemplateErrors, RuntimeErrorsMatchJinja2Semantics) {
  EXPECT_EQ(error_of("{{ missing.attr }}"), "t:1:11: 'missing' is undefined");
  EXPECT_EQ(error_of("{{ messages[0].nope.deeper }}"), "t:1:20: 'dict object' has no attribute 'nope'");
  EXPECT_EQ(error_of("{{ messages.append(1) }}"), "t:1:12: access to attribute 'append' of 'list' object is unsafe.");
  EXPECT_EQ(error_of("{{ 1 + 'a' }}"), "t:1:6: unsupported operand type(s) for +: 'int' and 'str'");
  EXPECT_EQ(error_of("{{ 1 / 0 }}"), "t:1:6: division by zero");
  EXPECT_EQ(error_of("{{ messages|tojson }}{{ missing|tojson }}"), "t:1:33: Object of type Undefined is not JSON serializable");
  EXPECT_EQ(error_of("{% set ns = namespace() %}{% set ns._x = 1 %}"),
            "t:1:30: Chat templates cannot store underscore-prefixed attributes on a namespace, but got '_x'. Please "
            "rename the attribute.");
  EXPECT_EQ(error_of("{% set a, b = [1] %}"), "t:1:4: not enough values to unpack (expected 2, got 1)");
  // Undefined values are empty and falsy, as jinja2's default Undefined.
  EXPECT_EQ(render("[{{ missing }}][{{ messages[5] }}][{{ missing is defined }}]{% if not missing %}f{% endif %}"),
            "[][][False]f");
}

TEST(ChatTemplateErrors, HostileTemplatesStopQuickly) {
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").find("maximum recursion depth exceeded"),
            std::string::npos);
  EXPECT_NE(error_of("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
                .find("step limit"),
            std::string::npos);
  EXPECT_NE(error_of("{% for i in range(10000) %}{% for j in range(10000) %}xxxxxxxxxxxxxxxx{% endfor %}{% endfor %}")
                .find("exceeds the output limit"),
            std::string::npos);
  EXPECT_NE(error_of("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")
                .find("exceeds the output limit"),
            std::string::npos);
  EXPECT_NE(error_of("{{ 'x' * 1000000000000 }}").find("exceed the output limit"), std::string::npos);
  EXPECT_NE(error_of("{{ [1, 2, 3] * 1000000000000 }}").find("exceed the memory limit"), std::string::npos);
  EXPECT_NE(error_of("{{ range(1000001)|length }}").find("Range too big"), std::string::npos);
  EXPECT_NE(error_of("{{ 2 ** 64 }}").find("integer overflow"), std::string::npos);
  EXPECT_NE(error_of("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}").find("nesting too deep"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(3000, '-') + "1").find(""), std::string::npos);  // plain data is fine
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "{% if true %}";
  EXPECT_NE(error_of(deep).find("nesting too deep"), std::string::npos);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 30.0) << "hostile templates must be stopped by the limits, not by time";
}

TEST(ChatTemplateErrors, LimitsAreConfigurable) {
  auto t = ChatTemplate::parse("{% for i in range(100) %}{{ i }}{% endfor %}", "t");
  EXPECT_EQ(t.render_chat({}, false).size(), 190u);
  polysafe::chat_template::ChatTemplateLimits small;
  small.max_output_bytes = 50;
  t.set_limits(small);
  EXPECT_THROW(t.render_chat({}, false), TemplateError);
}

TEST(ChatTemplateApi, GenericRenderAndContextOrder) {
  auto t = ChatTemplate::parse("{{ d }} {{ d|tojson }} {{ n + 1 }} {{ f }} {{ b }} {{ z }}", "t");
  nlohmann::ordered_json octx = {{"d", {{"z", 1}, {"a", "é"}}}, {"n", 41}, {"f", 2.50}, {"b", true}, {"z", nullptr}};
  EXPECT_EQ(t.render_ordered(octx), "{'z': 1, 'a': 'é'} {\"z\": 1, \"a\": \"é\"} 42 2.5 True None");
  nlohmann::json sorted_ctx = {{"d", {{"z", 1}, {"a", "é"}}}, {"n", 41}, {"f", 2.50}, {"b", true}, {"z", nullptr}};
  EXPECT_EQ(t.render(sorted_ctx), "{'a': 'é', 'z': 1} {\"a\": \"é\", \"z\": 1} 42 2.5 True None");
  EXPECT_THROW(t.render(nlohmann::json::array()), TemplateError);
  // render_chat passes exactly HF's variables: tools and documents are defined and None.
  auto v = ChatTemplate::parse("{{ tools is none }}{{ documents is defined }}{{ bos_token }}{{ eos_token }}{{ add_generation_prompt }}");
  EXPECT_EQ(v.render_chat({{"user", "x"}}, false, "<s>", "</s>"), "TrueTrue<s></s>False");
  EXPECT_EQ(v.name(), "chat_template");
  EXPECT_THROW(ChatTemplate::parse(std::string("{{ '\xff' }}")), TemplateError);
}
