#include "eval/run_store.h"

#include <filesystem>

#include "eval/sqlite_db.h"

namespace polysafe::eval {

namespace {

constexpr const char* kNow = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

// The current schema (kRunStoreSchemaVersion). A newer one is refused; an
// older one is migrated in the constructor.
const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs(
  run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  model TEXT NOT NULL, suite TEXT NOT NULL, config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS items(
  run_id TEXT NOT NULL, item_id TEXT NOT NULL, seq INTEGER NOT NULL,
  lang TEXT NOT NULL, parallel_id TEXT NOT NULL, prompt TEXT NOT NULL, categories TEXT NOT NULL,
  scope TEXT NOT NULL, benign INTEGER NOT NULL, source TEXT NOT NULL, extra TEXT NOT NULL,
  excluded TEXT,
  PRIMARY KEY(run_id, item_id));
CREATE TABLE IF NOT EXISTS responses(
  run_id TEXT NOT NULL, item_id TEXT NOT NULL, sample INTEGER NOT NULL,
  request_key TEXT NOT NULL, text TEXT NOT NULL, finish_reason TEXT NOT NULL,
  prompt_tokens INTEGER, completion_tokens INTEGER, latency_s REAL, attempts INTEGER,
  from_cache INTEGER NOT NULL, created_at TEXT NOT NULL,
  utf8_dropped_bytes INTEGER NOT NULL DEFAULT 0, utf8_invalid INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(run_id, item_id, sample));
CREATE TABLE IF NOT EXISTS errors(
  id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, item_id TEXT NOT NULL,
  attempt INTEGER NOT NULL, error TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS errors_run ON errors(run_id);
CREATE TABLE IF NOT EXISTS judgments(
  run_id TEXT NOT NULL, item_id TEXT NOT NULL, sample INTEGER NOT NULL,
  judge TEXT NOT NULL, judge_version TEXT NOT NULL, label TEXT NOT NULL,
  harmful INTEGER, score REAL, category TEXT NOT NULL, evidence TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY(run_id, item_id, sample, judge));
CREATE TABLE IF NOT EXISTS cache(
  request_key TEXT PRIMARY KEY, texts TEXT NOT NULL, finish_reason TEXT NOT NULL,
  prompt_tokens INTEGER, completion_tokens INTEGER, created_at TEXT NOT NULL, utf8 TEXT);
CREATE TABLE IF NOT EXISTS run_values(
  run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(run_id, key));
)SQL";

// Schema 1 to 2: the UTF-8 repair counts (old answers get zeros: unknown).
const char* kMigrate1to2 = R"SQL(
ALTER TABLE responses ADD COLUMN utf8_dropped_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE responses ADD COLUMN utf8_invalid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cache ADD COLUMN utf8 TEXT;
UPDATE meta SET value='2' WHERE key='schema_version';
)SQL";

nlohmann::json utf8_json(const std::vector<backend::Utf8Repair>& utf8) {
  if (utf8.empty()) return nullptr;
  nlohmann::json a = nlohmann::json::array();
  for (const auto& u : utf8) a.push_back({u.dropped_tail_bytes, u.invalid_sequences});
  return a;
}

nlohmann::json parse_json(const std::string& s, const std::string& where) {
  try {
    return nlohmann::json::parse(s);
  } catch (const nlohmann::json::exception& e) {
    throw EvalError(where + ": stored JSON is corrupt (" + e.what() + ")");
  }
}

}  // namespace

RunStore::RunStore(const std::string& run_dir) {
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  if (ec) throw EvalError(run_dir + ": cannot create the run directory (" + ec.message() + ")");
  path_ = (std::filesystem::path(run_dir) / "runs.sqlite").string();
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw EvalError(path_ + ": cannot open the run store (" + msg + ")");
  }
  sqlite3_busy_timeout(db_, 10000);
  try {
    // WAL: readers never block the writer; synchronous=NORMAL keeps every
    // committed answer through a process kill (only an OS crash may lose the
    // last transactions), at a fraction of FULL's cost.
    exec_sql(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", path_);
    {
      Transaction tx(db_, path_);
      exec_sql(db_, kSchema, path_);
      Statement get(db_, "SELECT value FROM meta WHERE key='schema_version'", path_);
      if (get.step()) {
        int v = std::stoi(get.text(0));
        if (v > kRunStoreSchemaVersion)
          throw EvalError(path_ + ": run store schema version " + std::to_string(v) + " is newer than this polysafe (" +
                          std::to_string(kRunStoreSchemaVersion) + "); upgrade polysafe");
        if (v == 1) exec_sql(db_, kMigrate1to2, path_);
      } else {
        Statement put(db_, "INSERT INTO meta(key, value) VALUES('schema_version', ?)", path_);
        put.bind(1, std::to_string(kRunStoreSchemaVersion)).run();
      }
      tx.commit();
    }
  } catch (const EvalError& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    std::string what = e.what();
    if (what.find("file is not a database") != std::string::npos)
      throw EvalError(path_ + ": not a polysafe run store (not an SQLite database)");
    throw;
  }
}

RunStore::~RunStore() {
  if (db_) sqlite3_close(db_);
}

bool RunStore::begin_run(const std::string& run_id, const std::string& kind, const nlohmann::json& config,
                         const std::string& model, const std::string& suite) {
  Transaction tx(db_, path_);
  Statement ins(db_,
                std::string("INSERT OR IGNORE INTO runs(run_id, kind, status, created_at, updated_at, model, suite, config) "
                            "VALUES(?, ?, 'running', ") + kNow + ", " + kNow + ", ?, ?, ?)",
                path_);
  ins.bind(1, run_id).bind(2, kind).bind(3, model).bind(4, suite).bind(5, config.dump()).run();
  bool created = sqlite3_changes(db_) > 0;
  if (!created) {
    Statement up(db_, std::string("UPDATE runs SET status='running', updated_at=") + kNow + " WHERE run_id=?", path_);
    up.bind(1, run_id).run();
  }
  tx.commit();
  return created;
}

void RunStore::set_status(const std::string& run_id, const std::string& status) {
  Statement up(db_, std::string("UPDATE runs SET status=?, updated_at=") + kNow + " WHERE run_id=?", path_);
  up.bind(1, status).bind(2, run_id).run();
}

namespace {
const char* kRunSelect =
    "SELECT r.run_id, r.kind, r.status, r.created_at, r.updated_at, r.model, r.suite, r.config,"
    " (SELECT COUNT(*) FROM items i WHERE i.run_id=r.run_id),"
    " (SELECT COUNT(DISTINCT item_id) FROM responses s WHERE s.run_id=r.run_id),"
    " (SELECT COUNT(*) FROM errors e WHERE e.run_id=r.run_id) FROM runs r ";

RunInfo read_run(const Statement& s, const std::string& where) {
  RunInfo r;
  r.run_id = s.text(0);
  r.kind = s.text(1);
  r.status = s.text(2);
  r.created_at = s.text(3);
  r.updated_at = s.text(4);
  r.model = s.text(5);
  r.suite = s.text(6);
  r.config = parse_json(s.text(7), where + ": run " + r.run_id + ": config");
  r.items = size_t(s.integer(8));
  r.answered = size_t(s.integer(9));
  r.errors = size_t(s.integer(10));
  return r;
}
}  // namespace

std::optional<RunInfo> RunStore::run(const std::string& run_id) const {
  Statement s(db_, std::string(kRunSelect) + "WHERE r.run_id=?", path_);
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  return read_run(s, path_);
}

std::vector<RunInfo> RunStore::runs() const {
  Statement s(db_, std::string(kRunSelect) + "ORDER BY r.created_at DESC, r.run_id", path_);
  std::vector<RunInfo> out;
  while (s.step()) out.push_back(read_run(s, path_));
  return out;
}

std::string RunStore::resolve_run_id(const std::string& prefix) const {
  auto all = runs();
  if (all.empty()) throw EvalError(path_ + ": holds no runs");
  if (prefix == "latest") return all.front().run_id;
  std::vector<std::string> hits;
  for (const auto& r : all)
    if (r.run_id.rfind(prefix, 0) == 0) hits.push_back(r.run_id);
  if (hits.size() == 1) return hits.front();
  if (hits.empty()) throw EvalError(path_ + ": no run id starts with '" + prefix + "' (see `polysafe runs list`)");
  throw EvalError(path_ + ": run id prefix '" + prefix + "' is ambiguous (" + std::to_string(hits.size()) + " runs)");
}

void RunStore::add_items(const std::string& run_id, const std::vector<data::SuiteItem>& items) {
  Transaction tx(db_, path_);
  Statement count(db_, "SELECT COUNT(*) FROM items WHERE run_id=?", path_);
  count.bind(1, run_id).step();
  int64_t seq = count.integer(0);
  for (const auto& it : items) {
    Statement one(db_,
                  "INSERT OR IGNORE INTO items(run_id, item_id, seq, lang, parallel_id, prompt, categories, scope, benign,"
                  " source, extra) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                  path_);
    one.bind(1, run_id).bind(2, it.id).bind(3, seq).bind(4, it.lang).bind(5, it.parallel_id).bind(6, it.prompt);
    one.bind(7, nlohmann::json(it.categories).dump()).bind(8, it.scope).bind(9, int64_t(it.benign)).bind(10, it.source);
    one.bind(11, it.extra.dump()).run();
    if (sqlite3_changes(db_) > 0) ++seq;
  }
  tx.commit();
}

std::vector<data::SuiteItem> RunStore::items(const std::string& run_id) const {
  Statement s(db_,
              "SELECT item_id, lang, parallel_id, prompt, categories, scope, benign, source, extra FROM items"
              " WHERE run_id=? ORDER BY seq",
              path_);
  s.bind(1, run_id);
  std::vector<data::SuiteItem> out;
  while (s.step()) {
    data::SuiteItem it;
    it.id = s.text(0);
    it.lang = s.text(1);
    it.parallel_id = s.text(2);
    it.prompt = s.text(3);
    it.categories = parse_json(s.text(4), path_ + ": item " + it.id).get<std::vector<std::string>>();
    it.scope = s.text(5);
    it.benign = s.integer(6) != 0;
    it.source = s.text(7);
    it.extra = parse_json(s.text(8), path_ + ": item " + it.id);
    out.push_back(std::move(it));
  }
  return out;
}

void RunStore::exclude_item(const std::string& run_id, const std::string& item_id, const std::string& reason) {
  Statement s(db_, "UPDATE items SET excluded=? WHERE run_id=? AND item_id=?", path_);
  s.bind(1, reason).bind(2, run_id).bind(3, item_id).run();
}

std::vector<std::pair<std::string, std::string>> RunStore::excluded(const std::string& run_id) const {
  Statement s(db_, "SELECT item_id, excluded FROM items WHERE run_id=? AND excluded IS NOT NULL ORDER BY seq", path_);
  s.bind(1, run_id);
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.text(0), s.text(1));
  return out;
}

std::vector<std::string> RunStore::pending_items(const std::string& run_id) const {
  Statement s(db_,
              "SELECT i.item_id FROM items i WHERE i.run_id=? AND i.excluded IS NULL AND NOT EXISTS"
              " (SELECT 1 FROM responses r WHERE r.run_id=i.run_id AND r.item_id=i.item_id) ORDER BY i.seq",
              path_);
  s.bind(1, run_id);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void RunStore::add_response(const std::string& run_id, const std::string& item_id, const std::string& request_key,
                            const CachedResponse& a, double latency_s, int attempts, bool from_cache) {
  Transaction tx(db_, path_);
  bool inserted = false;
  for (size_t k = 0; k < a.texts.size(); ++k) {
    const backend::Utf8Repair u = k < a.utf8.size() ? a.utf8[k] : backend::Utf8Repair{};
    Statement one(db_,
                  std::string("INSERT OR IGNORE INTO responses(run_id, item_id, sample, request_key, text, finish_reason,"
                              " prompt_tokens, completion_tokens, latency_s, attempts, from_cache, utf8_dropped_bytes,"
                              " utf8_invalid, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,") + kNow + ")",
                  path_);
    one.bind(1, run_id).bind(2, item_id).bind(3, int64_t(k)).bind(4, request_key).bind(5, a.texts[k]);
    one.bind(6, a.finish_reason).bind(7, a.prompt_tokens).bind(8, a.completion_tokens).bind(9, latency_s);
    one.bind(10, int64_t(attempts)).bind(11, int64_t(from_cache)).bind(12, u.dropped_tail_bytes);
    one.bind(13, u.invalid_sequences).run();
    inserted = inserted || sqlite3_changes(db_) > 0;
  }
  // In the same transaction; an answer already stored (ignored) leaves its cache entry alone.
  if (!from_cache && inserted) cache_response(request_key, a);
  tx.commit();
}

std::vector<StoredResponse> RunStore::responses(const std::string& run_id) const {
  Statement s(db_,
              "SELECT r.item_id, r.sample, r.text, r.finish_reason, r.request_key, r.prompt_tokens, r.completion_tokens,"
              " r.latency_s, r.attempts, r.utf8_dropped_bytes, r.utf8_invalid FROM responses r JOIN items i ON i.run_id=r.run_id AND i.item_id=r.item_id"
              " WHERE r.run_id=? ORDER BY i.seq, r.sample",
              path_);
  s.bind(1, run_id);
  std::vector<StoredResponse> out;
  while (s.step()) {
    StoredResponse r;
    r.item_id = s.text(0);
    r.sample = int(s.integer(1));
    r.text = s.text(2);
    r.finish_reason = s.text(3);
    r.request_key = s.text(4);
    r.prompt_tokens = s.is_null(5) ? -1 : s.integer(5);
    r.completion_tokens = s.is_null(6) ? -1 : s.integer(6);
    r.latency_s = s.real(7);
    r.attempts = int(s.integer(8));
    r.utf8 = {s.integer(9), s.integer(10)};
    out.push_back(std::move(r));
  }
  return out;
}

void RunStore::add_error(const std::string& run_id, const std::string& item_id, int attempt, const std::string& error) {
  Statement s(db_,
              std::string("INSERT INTO errors(run_id, item_id, attempt, error, created_at) VALUES(?,?,?,?,") + kNow + ")",
              path_);
  s.bind(1, run_id).bind(2, item_id).bind(3, int64_t(attempt)).bind(4, error).run();
}

size_t RunStore::error_count(const std::string& run_id) const {
  Statement s(db_, "SELECT COUNT(*) FROM errors WHERE run_id=?", path_);
  s.bind(1, run_id).step();
  return size_t(s.integer(0));
}

std::vector<std::pair<std::string, std::string>> RunStore::errors(const std::string& run_id) const {
  Statement s(db_, "SELECT item_id, error FROM errors WHERE run_id=? ORDER BY id", path_);
  s.bind(1, run_id);
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.text(0), s.text(1));
  return out;
}

void RunStore::add_judgments(const std::string& run_id, const std::vector<StoredJudgment>& judgments) {
  if (judgments.empty()) return;
  Transaction tx(db_, path_);
  for (const auto& j : judgments) {
    Statement s(db_,
                std::string("INSERT OR REPLACE INTO judgments(run_id, item_id, sample, judge, judge_version, label,"
                            " harmful, score, category, evidence, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,") + kNow + ")",
                path_);
    s.bind(1, run_id).bind(2, j.item_id).bind(3, int64_t(j.sample)).bind(4, j.judge).bind(5, j.judge_version);
    s.bind(6, j.label);
    if (j.harmful) s.bind(7, int64_t(*j.harmful)); else s.bind_null(7);
    s.bind(8, j.score).bind(9, j.category).bind(10, j.evidence.dump()).run();
  }
  tx.commit();
}

std::vector<StoredJudgment> RunStore::judgments(const std::string& run_id) const {
  Statement s(db_,
              "SELECT j.item_id, j.sample, j.judge, j.judge_version, j.label, j.harmful, j.score, j.category, j.evidence"
              " FROM judgments j JOIN items i ON i.run_id=j.run_id AND i.item_id=j.item_id"
              " WHERE j.run_id=? ORDER BY i.seq, j.sample, j.judge",
              path_);
  s.bind(1, run_id);
  std::vector<StoredJudgment> out;
  while (s.step()) {
    StoredJudgment j;
    j.item_id = s.text(0);
    j.sample = int(s.integer(1));
    j.judge = s.text(2);
    j.judge_version = s.text(3);
    j.label = s.text(4);
    if (!s.is_null(5)) j.harmful = s.integer(5) != 0;
    if (!s.is_null(6)) j.score = s.real(6);
    j.category = s.text(7);
    j.evidence = parse_json(s.text(8), path_ + ": judgment of " + j.item_id);
    out.push_back(std::move(j));
  }
  return out;
}

size_t RunStore::drop_stale_judgments(const std::string& run_id, const std::string& judge, const std::string& version) {
  Statement s(db_, "DELETE FROM judgments WHERE run_id=? AND judge=? AND judge_version<>?", path_);
  s.bind(1, run_id).bind(2, judge).bind(3, version).run();
  return size_t(sqlite3_changes(db_));
}

std::vector<StoredResponse> RunStore::unjudged(const std::string& run_id, const std::string& judge) const {
  Statement s(db_,
              "SELECT r.item_id, r.sample, r.text FROM responses r JOIN items i ON i.run_id=r.run_id AND"
              " i.item_id=r.item_id WHERE r.run_id=? AND NOT EXISTS (SELECT 1 FROM judgments j WHERE"
              " j.run_id=r.run_id AND j.item_id=r.item_id AND j.sample=r.sample AND j.judge=?) ORDER BY i.seq, r.sample",
              path_);
  s.bind(1, run_id).bind(2, judge);
  std::vector<StoredResponse> out;
  while (s.step()) {
    StoredResponse r;
    r.item_id = s.text(0);
    r.sample = int(s.integer(1));
    r.text = s.text(2);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<CachedResponse> RunStore::cached(const std::string& request_key) const {
  Statement s(db_, "SELECT texts, finish_reason, prompt_tokens, completion_tokens, utf8 FROM cache WHERE request_key=?",
              path_);
  s.bind(1, request_key);
  if (!s.step()) return std::nullopt;
  CachedResponse c;
  c.texts = parse_json(s.text(0), path_ + ": cache entry " + request_key).get<std::vector<std::string>>();
  c.finish_reason = s.text(1);
  c.prompt_tokens = s.is_null(2) ? -1 : s.integer(2);
  c.completion_tokens = s.is_null(3) ? -1 : s.integer(3);
  if (!s.is_null(4)) {
    const std::string where = path_ + ": cache entry " + request_key + ", utf8";
    const auto a = parse_json(s.text(4), where);
    try {
      for (const auto& u : a) c.utf8.push_back({u.at(0).get<int64_t>(), u.at(1).get<int64_t>()});
    } catch (const nlohmann::json::exception& e) {
      throw EvalError(where + ": stored JSON is corrupt (" + e.what() + ")");
    }
  }
  return c;
}

void RunStore::cache_response(const std::string& request_key, const CachedResponse& r) {
  Statement s(db_,
              std::string("INSERT OR REPLACE INTO cache(request_key, texts, finish_reason, prompt_tokens,"
                          " completion_tokens, utf8, created_at) VALUES(?,?,?,?,?,?,") + kNow + ")",
              path_);
  s.bind(1, request_key).bind(2, nlohmann::json(r.texts).dump()).bind(3, r.finish_reason);
  s.bind(4, r.prompt_tokens).bind(5, r.completion_tokens);
  if (r.utf8.empty())
    s.bind_null(6);
  else
    s.bind(6, utf8_json(r.utf8).dump());
  s.run();
}

void RunStore::put_value(const std::string& run_id, const std::string& key, const nlohmann::json& value) {
  Statement s(db_, "INSERT OR REPLACE INTO run_values(run_id, key, value) VALUES(?,?,?)", path_);
  s.bind(1, run_id).bind(2, key).bind(3, value.dump()).run();
}

std::optional<nlohmann::json> RunStore::value(const std::string& run_id, const std::string& key) const {
  Statement s(db_, "SELECT value FROM run_values WHERE run_id=? AND key=?", path_);
  s.bind(1, run_id).bind(2, key);
  if (!s.step()) return std::nullopt;
  return parse_json(s.text(0), path_ + ": value " + key);
}

}  // namespace polysafe::eval
