// Datastores built from SmolLM2's real hidden states on real RTP-LX prompts:
// entry counts, exact self-retrieval, continual add/remove, persistence round
// trips, stores from given pairs, refusal of another model's store, damaged
// files and crashed builds.
#include "detox/datastore.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "detox/detox_error.h"
#include "detox/teacher_forcing.h"
#include "engine/model.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"
#include "util/jsonl.h"

namespace polysafe::detox {
namespace {

namespace fs = std::filesystem;

const engine::Model& smollm() {
  static std::unique_ptr<engine::Model> m = [] {
    engine::LoadOptions lo;
    lo.threads = 2;
    return engine::Model::load(test::model_path("smollm2-135m-instruct"), lo);
  }();
  return *m;
}

// The first `n` prompts of an RTP-LX language file, tagged with `source`.
std::vector<CorpusText> rtplx(const std::string& lang_file, const std::string& lang, size_t n,
                              const std::string& source, size_t skip = 0) {
  std::vector<CorpusText> out;
  size_t seen = 0;
  const std::string path = test::shared_data_dir() + "/rtp-lx/v0.2_f10b92a/RTP_LX_" + lang_file + ".json";
  jsonl::for_each_record<std::runtime_error>(path, true, [&](const nlohmann::json& j, const std::string&, size_t) {
    if (out.size() < n && seen++ >= skip) out.push_back({j.at("Prompt").get<std::string>(), lang, source});
  });
  EXPECT_EQ(out.size(), n);
  return out;
}

int64_t expected_entries(const std::vector<CorpusText>& texts) {
  int64_t n = 0;
  for (const auto& t : texts) {
    const auto ids = smollm().tokenizer().encode(t.text, true, false);
    if (ids.size() >= 2) n += int64_t(ids.size()) - 1;
  }
  return n;
}

// Searching with a stored key finds an entry at distance ~0 holding that key's value
// (identical contexts, e.g. the BOS position, may tie, so any exact hit will do).
void expect_self_hit(const Datastore& ds, int64_t row) {
  const auto q = ds.key(row);
  const auto r = ds.search(q.data(), 1, 4);
  ASSERT_EQ(r.distances.size(), 4u);
  EXPECT_LT(r.distances[0], 1e-4f) << "row " << row;
  bool found = false;
  for (int64_t i = 0; i < 4; ++i)
    if (r.distances[size_t(i)] < 1e-4f && r.tokens[size_t(i)] == ds.value(row)) found = true;
  EXPECT_TRUE(found) << "row " << row << " value " << ds.value(row);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DetoxError& e) {
    return e.what();
  }
  return "(no DetoxError)";
}

TEST(Datastore, FlatBuildCountsSearchAddRemoveReopen) {
  test::ScratchDir tmp;
  const std::string dir = tmp.file("toxic");
  const auto en = rtplx("EN", "en", 20, "rtplx-en");
  const int64_t n_en = expected_entries(en);
  ASSERT_GT(n_en, 200);

  Datastore ds = Datastore::build(smollm(), en, BuildOptions{}, dir);
  EXPECT_EQ(ds.entries(), n_en);
  EXPECT_EQ(ds.dim(), 576);
  const auto& m = ds.stats();
  EXPECT_EQ(m.layer, "ffn_input:last");
  EXPECT_EQ(m.model.arch, "llama");
  EXPECT_EQ(m.model.vocab, 49152);
  EXPECT_EQ(m.block, 1024);
  EXPECT_EQ(m.stride, 512);
  ASSERT_EQ(m.sources.size(), 1u);
  EXPECT_EQ(m.sources[0].tag, "rtplx-en");
  EXPECT_EQ(m.sources[0].entries, n_en);
  EXPECT_EQ(m.sources[0].texts, 20);
  EXPECT_EQ(m.sources[0].langs.at("en"), 20);
  EXPECT_TRUE(fs::exists(dir + "/manifest.json"));

  // Values are the texts' own next tokens, in order: text 0's tokens 1..
  const auto ids0 = smollm().tokenizer().encode(en[0].text, true, false);
  for (size_t i = 1; i < ids0.size(); ++i) EXPECT_EQ(ds.value(int64_t(i - 1)), ids0[i]);
  for (int64_t row : {int64_t(3), n_en / 2, n_en - 1}) expect_self_hit(ds, row);

  // Distances ascend and are true squared L2 between stored keys.
  const auto q = ds.key(5);
  const auto r = ds.search(q.data(), 1, 8);
  for (int i = 1; i < 8; ++i) EXPECT_LE(r.distances[size_t(i - 1)], r.distances[size_t(i)]);
  EXPECT_GT(r.distances[7], 1.0f);

  EXPECT_NE(error_of([&] { ds.search(q.data(), 1, n_en + 1); }).find("k " + std::to_string(n_en + 1)),
            std::string::npos);
  EXPECT_NO_THROW(ds.search(q.data(), 1, n_en));

  // Continual update: another language under another source, without rebuilding.
  const auto es = rtplx("ES", "es", 5, "rtplx-es");
  const int64_t n_es = expected_entries(es);
  const AddResult added = ds.add(es);
  EXPECT_EQ(added.entries, n_es);
  EXPECT_EQ(added.texts, 5);
  EXPECT_EQ(ds.entries(), n_en + n_es);
  ASSERT_EQ(ds.stats().sources.size(), 2u);
  EXPECT_EQ(ds.stats().sources[1].entries, n_es);
  EXPECT_EQ(ds.source_of(n_en), "rtplx-es");
  expect_self_hit(ds, n_en + n_es - 1);
  ds.save();

  Datastore re = Datastore::open(dir, smollm());
  EXPECT_EQ(re.entries(), n_en + n_es);
  EXPECT_EQ(re.stats().to_json(), ds.stats().to_json());
  const auto r1 = ds.search(q.data(), 1, 8);
  const auto r2 = re.search(q.data(), 1, 8);
  EXPECT_EQ(r1.tokens, r2.tokens);
  EXPECT_EQ(r1.distances, r2.distances);

  // Removing the source restores the original store.
  EXPECT_EQ(re.remove_source("rtplx-es"), n_es);
  EXPECT_EQ(re.entries(), n_en);
  ASSERT_EQ(re.stats().sources.size(), 1u);
  EXPECT_EQ(re.stats().sources[0].entries, n_en);
  EXPECT_NE(error_of([&] { re.remove_source("rtplx-es"); }).find("no source 'rtplx-es'"), std::string::npos);
  const auto key_last_es = ds.key(n_en + n_es - 1);
  const auto after = re.search(key_last_es.data(), 1, 1);
  EXPECT_GT(after.distances[0], 1e-4f);  // the Spanish entry is gone from the index
  expect_self_hit(re, n_en - 1);
  re.save();
  Datastore re2 = Datastore::open(dir, smollm());
  EXPECT_EQ(re2.entries(), n_en);
  EXPECT_EQ(re2.value(n_en - 1), ds.value(n_en - 1));
  expect_self_hit(re2, 10);
  for (const auto& e : fs::directory_iterator(tmp.path()))  // no temporaries left behind
    EXPECT_EQ(e.path().filename(), "toxic");
}

TEST(Datastore, IvfPqTrainsAddsAndReopens) {
  test::ScratchDir tmp;
  const auto en = rtplx("EN", "en", 20, "en");
  BuildOptions o;
  o.index.kind = IndexKind::IvfPq;
  o.index.nlist = 4;
  o.index.m = 8;
  o.index.nbits = 4;
  o.index.nprobe = 4;
  Datastore ds = Datastore::build(smollm(), en, o, tmp.file("ivf"));
  const int64_t n = ds.entries();
  EXPECT_EQ(n, expected_entries(en));
  ds.add(rtplx("FR", "fr", 3, "fr"));
  ds.save();
  Datastore re = Datastore::open(tmp.file("ivf"), smollm());
  EXPECT_EQ(re.stats().index.kind, IndexKind::IvfPq);
  EXPECT_EQ(re.entries(), ds.entries());
  // nprobe = nlist visits every cell: the stored key's PQ code is among the nearest.
  const auto q = re.key(n / 2);
  const auto r = re.search(q.data(), 1, 16);
  EXPECT_GE(r.tokens[0], 0);
  EXPECT_EQ(re.remove_source("fr"), ds.entries() - n);
  EXPECT_EQ(re.entries(), n);

  o.index.nbits = 8;
  o.index.nlist = 100000;
  const std::string msg = error_of([&] { Datastore::build(smollm(), en, o, tmp.file("ivf2")); });
  EXPECT_NE(msg.find("training needs at least 100000 entries"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(tmp.file("ivf2")));
}

TEST(Datastore, FromPairsHoldsThosePairs) {
  test::ScratchDir tmp;
  const auto en = rtplx("EN", "en", 6, "en");
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& t : en) seqs.push_back(smollm().tokenizer().encode(t.text, true, false));
  const TokenPairs pairs = teacher_force(smollm(), seqs, 1024, 512);
  const int64_t n = pairs.size();
  ASSERT_EQ(n, expected_entries(en));

  Datastore ds = Datastore::from_pairs(smollm(), pairs, "given", BuildOptions{}, tmp.file("pairs"));
  EXPECT_EQ(ds.entries(), n);
  ASSERT_EQ(ds.stats().sources.size(), 1u);
  EXPECT_EQ(ds.stats().sources[0].tag, "given");
  EXPECT_EQ(ds.stats().sources[0].entries, n);
  EXPECT_EQ(ds.stats().sources[0].texts, 6);
  for (int64_t row = 0; row < n; ++row) {
    ASSERT_EQ(ds.value(row), pairs.values[size_t(row)]) << row;
    EXPECT_EQ(ds.source_of(row), "given");
  }
  // Keys come back as stored (fp16-rounded: relative error below 2^-10).
  for (int64_t row : {int64_t(0), n / 3, n - 1}) {
    const auto k = ds.key(row);
    for (int64_t i = 0; i < ds.dim(); ++i) {
      const float want = pairs.keys[size_t(row * ds.dim() + i)];
      ASSERT_NEAR(k[size_t(i)], want, std::abs(want) * 1e-3f + 1e-6f) << row << ", " << i;
    }
    expect_self_hit(ds, row);
  }
  // The same texts through build() give the very same entries.
  Datastore built = Datastore::build(smollm(), en, BuildOptions{}, tmp.file("built"));
  ASSERT_EQ(built.entries(), n);
  for (int64_t row : {int64_t(1), n / 2, n - 2}) {
    EXPECT_EQ(built.value(row), ds.value(row));
    EXPECT_EQ(built.key(row), ds.key(row));
  }
  Datastore re = Datastore::open(tmp.file("pairs"), smollm());
  EXPECT_EQ(re.entries(), n);
  expect_self_hit(re, n / 2);

  // Pairs that cannot be this model's entries are refused before anything is written.
  TokenPairs bad = pairs;
  bad.values[3] = 49152;
  EXPECT_NE(error_of([&] { Datastore::from_pairs(smollm(), bad, "s", {}, tmp.file("b1")); })
                .find("pair 3: token 49152 outside the vocabulary"),
            std::string::npos);
  bad = pairs;
  bad.keys[size_t(5 * bad.dim + 7)] = std::nanf("");
  EXPECT_NE(error_of([&] { Datastore::from_pairs(smollm(), bad, "s", {}, tmp.file("b2")); }).find("pair 5: key is not finite"),
            std::string::npos);
  bad = pairs;
  bad.dim = 640;
  EXPECT_NE(error_of([&] { Datastore::from_pairs(smollm(), bad, "s", {}, tmp.file("b3")); }).find("dimension 640"),
            std::string::npos);
  bad = pairs;
  bad.sequence.pop_back();
  EXPECT_NE(error_of([&] { Datastore::from_pairs(smollm(), bad, "s", {}, tmp.file("b4")); }).find("sequence ids"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Datastore::from_pairs(smollm(), TokenPairs{}, "s", {}, tmp.file("b5")); }).find("no pairs"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Datastore::from_pairs(smollm(), pairs, "", {}, tmp.file("b6")); }).find("empty source"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Datastore::from_pairs(smollm(), pairs, "s", {}, tmp.file("pairs")); }).find("already exists"),
            std::string::npos);
  for (const char* b : {"b1", "b2", "b3", "b4", "b5", "b6"}) EXPECT_FALSE(fs::exists(tmp.file(b))) << b;
}

TEST(Datastore, BadCorporaAreClearErrors) {
  test::ScratchDir tmp;
  EXPECT_NE(error_of([&] { Datastore::build(smollm(), {}, {}, tmp.file("a")); }).find("empty corpus"),
            std::string::npos);
  const std::vector<CorpusText> tiny = {{"", "en", "s"}, {"", "en", "s"}};
  EXPECT_NE(error_of([&] { Datastore::build(smollm(), tiny, {}, tmp.file("b")); })
                .find("all 2 texts are shorter than two tokens"),
            std::string::npos);
  auto mixed = rtplx("EN", "en", 3, "s");
  mixed.push_back({"", "en", "s"});
  Datastore ds = Datastore::build(smollm(), mixed, {}, tmp.file("c"));
  EXPECT_EQ(ds.stats().sources[0].skipped, 1);
  EXPECT_EQ(ds.stats().sources[0].texts, 3);
  BuildOptions bad;
  bad.stride = 1024;
  EXPECT_NE(error_of([&] { Datastore::build(smollm(), mixed, bad, tmp.file("d")); }).find("stride 1024"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Datastore::build(smollm(), mixed, {}, tmp.file("c")); }).find("already exists"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.file("a")));
  EXPECT_FALSE(fs::exists(tmp.file("b")));
}

void rewrite(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Datastore, RefusesOtherModelDamagedFilesAndCrashedBuilds) {
  test::ScratchDir tmp;
  const std::string dir = tmp.file("ds");
  Datastore::build(smollm(), rtplx("EN", "en", 4, "en"), {}, dir);
  const auto fresh_copy = [&](const std::string& name) {
    const std::string d = tmp.file(name);
    fs::copy(dir, d);
    return d;
  };

  {  // A store from another model: its fingerprint differs.
    const std::string d = fresh_copy("other");
    auto j = nlohmann::json::parse(slurp(d + "/manifest.json"));
    j["model"]["file"] = "gemma-3-270m.Q4_K_M.gguf";
    j["model"]["arch"] = "gemma3";
    j["model"]["hidden"] = 640;
    rewrite(d + "/manifest.json", j.dump());
    const std::string msg = error_of([&] { Datastore::open(d, smollm()); });
    EXPECT_NE(msg.find("datastore built with model 'gemma-3-270m.Q4_K_M.gguf' (gemma3, hidden 640"),
              std::string::npos) << msg;
    EXPECT_NE(msg.find("the loaded model is '" + fs::path(smollm().path()).filename().string() + "' (llama, hidden 576"),
              std::string::npos) << msg;
  }
  {  // Same architecture, another file size (e.g. another quantisation).
    const std::string d = fresh_copy("size");
    auto j = nlohmann::json::parse(slurp(d + "/manifest.json"));
    j["model"]["size"] = j["model"]["size"].get<uint64_t>() + 1;
    rewrite(d + "/manifest.json", j.dump());
    EXPECT_NE(error_of([&] { Datastore::open(d, smollm()); }).find("datastore built with model"), std::string::npos);
  }
  struct Damage { const char* file; std::function<void(const std::string&)> apply; const char* expect; };
  const std::vector<Damage> damages = {
      {"values.i32", [](const std::string& p) { fs::resize_file(p, fs::file_size(p) - 4); }, "corrupt"},
      {"keys.f16", [](const std::string& p) { fs::remove(p); }, "missing"},
      {"ids.i64", [](const std::string& p) { rewrite(p, std::string(fs::file_size(p), '\0')); }, "not ascending"},
      {"sources.i32", [](const std::string& p) { rewrite(p, std::string(fs::file_size(p), '\x7f')); }, "not in the manifest"},
      {"index.faiss", [](const std::string& p) { rewrite(p, "garbage"); }, "corrupt"},
      {"index.faiss", [](const std::string& p) { fs::remove(p); }, "missing"},
      {"manifest.json", [](const std::string& p) { rewrite(p, "{\"format\": "); }, "not JSON"},
      {"manifest.json", [](const std::string& p) {
         auto j = nlohmann::json::parse(slurp(p)); j["entries"] = 1; rewrite(p, j.dump()); }, "entries sum to"},
  };
  int i = 0;
  for (const auto& dmg : damages) {
    const std::string d = fresh_copy("damaged" + std::to_string(i++));
    dmg.apply(d + "/" + dmg.file);
    const std::string msg = error_of([&] { Datastore::open(d, smollm()); });
    EXPECT_NE(msg.find(std::string(dmg.file) + ": "), std::string::npos) << msg;
    EXPECT_NE(msg.find(dmg.expect), std::string::npos) << dmg.file << ": " << msg;
  }

  // A crashed build leaves only DIR.tmp-*: the store name stays absent, the
  // temporary is never opened as a store, and a new build beside it succeeds.
  const std::string crashed = tmp.file("crashed");
  fs::copy(dir, crashed + ".tmp-abc123");
  fs::remove(crashed + ".tmp-abc123/manifest.json");
  EXPECT_NE(error_of([&] { Datastore::open(crashed, smollm()); }).find("no datastore directory"), std::string::npos);
  EXPECT_NE(error_of([&] { Datastore::open(crashed + ".tmp-abc123", smollm()); }).find("manifest.json: missing"),
            std::string::npos);
  Datastore ok = Datastore::build(smollm(), rtplx("EN", "en", 2, "en"), {}, crashed);
  EXPECT_GT(Datastore::open(crashed, smollm()).entries(), 0);
}

}  // namespace
}  // namespace polysafe::detox
