// Parity of polysafe's chat-template renderer with the reference: jinja2 rendered
// the way HF transformers renders chat templates (scripts/reference/render_chat_template.py),
// compared byte for byte on every template under tests/fixtures/chat_templates/ and on
// the template embedded in SmolLM2's GGUF, each over the committed conversations.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "formats/gguf_reader.h"
#include "test_paths.h"
#include "chat_template/chat_template.h"
#include "util/error.h"

namespace fs = std::filesystem;
using polysafe::chat_template::ChatMessage;
using polysafe::chat_template::ChatTemplate;
using ojson = nlohmann::ordered_json;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

fs::path data_dir() { return fs::path(polysafe::test::source_dir()) / "tests" / "fixtures" / "chat_templates"; }

fs::path scratch_dir() {
  fs::path d = fs::temp_directory_path() / ("polysafe_chat_template_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

// Runs the Python reference on (template, cases) and returns its result list.
ojson python_reference(const fs::path& tmpl, const fs::path& cases) {
  fs::path out = scratch_dir() / (tmpl.stem().string() + ".reference.json");
  std::string cmd = "python3 '" + polysafe::test::source_dir() + "/scripts/reference/render_chat_template.py' '" +
                    tmpl.string() + "' '" + cases.string() + "' -o '" + out.string() + "'";
  std::string log;
  int rc = polysafe::test::run_command(cmd, &log);
  if (rc != 0) ADD_FAILURE() << "reference renderer failed (needs python3 + jinja2): " << log;
  return rc == 0 ? ojson::parse(read_file(out)) : ojson::array();
}

// The variables HF passes to the template (render_jinja_template), in the same order.
ojson chat_context(const ojson& c) {
  ojson ctx = c.value("extra", ojson::object());
  ctx["messages"] = c["messages"];
  ctx["tools"] = nullptr;
  ctx["documents"] = nullptr;
  ctx["add_generation_prompt"] = c.value("add_generation_prompt", false);
  ctx["bos_token"] = c.value("bos_token", "");
  ctx["eos_token"] = c.value("eos_token", "");
  return ctx;
}

std::vector<ChatMessage> to_messages(const ojson& msgs) {
  std::vector<ChatMessage> out;
  for (const auto& m : msgs) out.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  return out;
}

struct Tally {
  int templates = 0, conversations = 0, identical = 0, both_error = 0;
};

// Compares polysafe with the reference for one template over all cases.
// `chat_api` also checks render_chat() (templates that read no extra variables).
void check_template(const std::string& name, const std::string& source, const fs::path& tmpl_path,
                    const fs::path& cases_path, bool chat_api, Tally& tally) {
  ojson cases = ojson::parse(read_file(cases_path));
  ojson ref = python_reference(tmpl_path, cases_path);
  ASSERT_EQ(ref.size(), cases.size()) << name;
  ++tally.templates;
  std::optional<ChatTemplate> t;
  std::string parse_error;
  try {
    t = ChatTemplate::parse(source, name);
  } catch (const polysafe::TemplateError& e) {
    parse_error = e.what();
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    ++tally.conversations;
    const ojson& r = ref[i];
    std::string got, err = parse_error;
    if (t) {
      try {
        got = t->render_ordered(chat_context(cases[i]));
      } catch (const polysafe::TemplateError& e) {
        err = e.what();
      }
    }
    if (r["ok"].get<bool>()) {
      const std::string want = r["text"].get<std::string>();
      EXPECT_TRUE(err.empty()) << name << " case " << i << ": polysafe failed: " << err;
      EXPECT_EQ(got, want) << name << " case " << i;
      if (err.empty() && got == want) ++tally.identical;
      if (chat_api && t) {
        const ojson& c = cases[i];
        std::string via_chat = t->render_chat(to_messages(c["messages"]), c["add_generation_prompt"].get<bool>(),
                                              c["bos_token"].get<std::string>(), c["eos_token"].get<std::string>());
        EXPECT_EQ(via_chat, want) << name << " case " << i << " via render_chat";
      }
    } else {
      const std::string want_err = r["error"].get<std::string>();
      EXPECT_FALSE(err.empty()) << name << " case " << i << ": reference failed (" << want_err
                                << ") but polysafe rendered: " << got.substr(0, 200);
      if (!err.empty()) ++tally.both_error;
      // raise_exception messages must come through verbatim, with the position in front.
      const std::string prefix = "TemplateError: ";
      if (want_err.rfind(prefix, 0) == 0 && !err.empty()) {
        EXPECT_NE(err.find(want_err.substr(prefix.size())), std::string::npos) << err << " vs " << want_err;
      }
      if (!err.empty()) {
        EXPECT_EQ(err.rfind(name + ":", 0), 0u) << "error must name the template: " << err;
      }
    }
  }
}

const std::vector<std::string> kChatOnly = {"chatml", "llama2", "llama3", "gemma", "mistral", "command_r", "phi3", "deepseek"};

}  // namespace

TEST(ChatTemplateParity, SnippetSuiteMatchesJinja2ByteForByte) {
  fs::path cases = data_dir() / "conversations.json";
  std::vector<fs::path> templates;
  for (const auto& e : fs::directory_iterator(data_dir()))
    if (e.path().extension() == ".jinja") templates.push_back(e.path());
  std::sort(templates.begin(), templates.end());
  ASSERT_GE(templates.size(), 15u);
  Tally tally;
  for (const auto& p : templates) {
    std::string stem = p.stem().string();
    bool chat_api = std::find(kChatOnly.begin(), kChatOnly.end(), stem) != kChatOnly.end();
    check_template(stem, read_file(p), p, cases, chat_api, tally);
  }
  std::printf("chat template parity: %d templates, %d conversations, %d byte-identical renderings, "
              "%d identical failures (raise_exception etc.), %d mismatches\n",
              tally.templates, tally.conversations, tally.identical, tally.both_error,
              tally.conversations - tally.identical - tally.both_error);
  EXPECT_EQ(tally.identical + tally.both_error, tally.conversations);
  EXPECT_GE(tally.identical, tally.conversations * 9 / 10) << "suite must mostly render, not fail";
}

TEST(ChatTemplateParity, SmolLM2EmbeddedTemplate) {
  polysafe::formats::GgufFile gguf(polysafe::test::model_path("smollm2-135m-instruct"));
  std::string source = gguf.get_string("tokenizer.chat_template");
  ASSERT_NE(source.find("<|im_start|>"), std::string::npos);
  fs::path tmpl = scratch_dir() / "smollm2.jinja";
  {
    std::ofstream f(tmpl, std::ios::binary);
    f << source;
  }
  Tally tally;
  check_template("smollm2", source, tmpl, data_dir() / "conversations.json", true, tally);
  EXPECT_EQ(tally.identical, tally.conversations);
  // A concrete rendering, independent of the reference.
  auto t = ChatTemplate::parse(source);
  EXPECT_EQ(t.render_chat({{"user", "Hi"}}, true),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatTemplateFallback, Gemma3BaseHasNoTemplate) {
  polysafe::formats::GgufFile gguf(polysafe::test::model_path("gemma3-270m"));
  auto tmpl = gguf.opt_string("tokenizer.chat_template");
  EXPECT_FALSE(tmpl.has_value()) << "Gemma 3 270M base is expected to ship without a chat template";
  std::vector<ChatMessage> msgs = {{"system", "Be brief."}, {"user", "¿Qué tal?"}, {"assistant", "Bien."}, {"user", "مرحبا"}};
  auto f = polysafe::chat_template::format_chat(tmpl.value_or(""), msgs, true);
  EXPECT_TRUE(f.used_fallback);
  EXPECT_EQ(f.text, "system: Be brief.\nuser: ¿Qué tal?\nassistant: Bien.\nuser: مرحبا\nassistant: ");
  EXPECT_EQ(polysafe::chat_template::fallback_chat_format(msgs, false),
            "system: Be brief.\nuser: ¿Qué tal?\nassistant: Bien.\nuser: مرحبا\n");
  auto with = polysafe::chat_template::format_chat("{{ messages|length }}", msgs, true);
  EXPECT_FALSE(with.used_fallback);
  EXPECT_EQ(with.text, "4");
}
