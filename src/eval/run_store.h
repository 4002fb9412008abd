// The run store: one SQLite database (WAL) per run directory holding every run's
// resolved config, items, responses, judgments, request errors and timings,
// plus a response cache keyed by request key shared by all runs in it. Every
// answer is committed on its own as it arrives, and primary keys make each
// (run, item, sample) and (…, judge) unique, so a kill loses at most the
// requests in flight and a resume never duplicates an item.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/backend.h"
#include "data/suite_item.h"

struct sqlite3;

namespace polysafe::eval {

// 2: per-answer UTF-8 repair counts (responses.utf8_*, cache.utf8).
inline constexpr int kRunStoreSchemaVersion = 2;

struct RunInfo {
  std::string run_id, kind, status;  // kind: "redteam"; status: "running", "interrupted", "complete"
  std::string created_at, updated_at;
  std::string model, suite;
  nlohmann::json config;
  size_t items = 0, answered = 0, errors = 0;
};

struct StoredResponse {
  std::string item_id;
  int sample = 0;
  std::string text, finish_reason, request_key;
  int64_t prompt_tokens = -1, completion_tokens = -1;
  double latency_s = 0;
  int attempts = 0;
  backend::Utf8Repair utf8;  // zeros for remote backends and for stores written before schema 2
};

struct StoredJudgment {
  std::string item_id;
  int sample = 0;
  std::string judge, judge_version;
  std::string label;                     // judge-specific ("refusal", "toxic", "unparseable", ...)
  std::optional<bool> harmful;           // the judge's harm vote; empty = no vote
  std::optional<double> score;           // e.g. toxicity probability
  std::string category;                  // harm category named by the judge, if any
  nlohmann::json evidence = nlohmann::json::array();
};

// One request's answer, every sample: what add_response stores and the cache returns.
struct CachedResponse {
  std::vector<std::string> texts;
  std::string finish_reason;
  int64_t prompt_tokens = -1, completion_tokens = -1;
  std::vector<backend::Utf8Repair> utf8;  // parallel to texts, or empty (none known)
};

class RunStore {
 public:
  // Opens (creating when absent) DIR/runs.sqlite. EvalError when the file is
  // not a run store or was written by a newer schema.
  explicit RunStore(const std::string& run_dir);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& path() const { return path_; }

  // Creates the run, or returns false when it already exists (a resume).
  bool begin_run(const std::string& run_id, const std::string& kind, const nlohmann::json& config,
                 const std::string& model, const std::string& suite);
  void set_status(const std::string& run_id, const std::string& status);
  std::optional<RunInfo> run(const std::string& run_id) const;
  std::vector<RunInfo> runs() const;  // newest first
  // A unique prefix of a run id, or "latest": the full id. EvalError otherwise.
  std::string resolve_run_id(const std::string& prefix) const;

  // Items are inserted once (existing ids are kept as they are), in one transaction.
  void add_items(const std::string& run_id, const std::vector<data::SuiteItem>& items);
  std::vector<data::SuiteItem> items(const std::string& run_id) const;  // in insertion order
  // Marks an item excluded from scoring (e.g. lost in translation) with the reason.
  void exclude_item(const std::string& run_id, const std::string& item_id, const std::string& reason);
  std::vector<std::pair<std::string, std::string>> excluded(const std::string& run_id) const;

  // Items (ids) with no stored response, in insertion order, excluded ones skipped.
  std::vector<std::string> pending_items(const std::string& run_id) const;

  // All samples of one item's answer, atomically (one transaction); unless the
  // answer came from the cache, it also becomes the cache entry for its key.
  void add_response(const std::string& run_id, const std::string& item_id, const std::string& request_key,
                    const CachedResponse& answer, double latency_s, int attempts, bool from_cache);
  std::vector<StoredResponse> responses(const std::string& run_id) const;
  void add_error(const std::string& run_id, const std::string& item_id, int attempt, const std::string& error);
  size_t error_count(const std::string& run_id) const;
  std::vector<std::pair<std::string, std::string>> errors(const std::string& run_id) const;  // (item, error)

  void add_judgments(const std::string& run_id, const std::vector<StoredJudgment>& judgments);
  std::vector<StoredJudgment> judgments(const std::string& run_id) const;
  // Drops `judge`'s judgments made by another version of it (rules or model
  // changed since): they are judged again, never mixed. Returns how many.
  size_t drop_stale_judgments(const std::string& run_id, const std::string& judge, const std::string& version);
  // (item, sample) pairs answered but not yet judged by `judge`.
  std::vector<StoredResponse> unjudged(const std::string& run_id, const std::string& judge) const;

  // Response cache shared by the runs of this store.
  std::optional<CachedResponse> cached(const std::string& request_key) const;
  void cache_response(const std::string& request_key, const CachedResponse& r);

  // Generic key/value per run (translations, timings, notes).
  void put_value(const std::string& run_id, const std::string& key, const nlohmann::json& value);
  std::optional<nlohmann::json> value(const std::string& run_id, const std::string& key) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace polysafe::eval
