// A thin RAII layer over the SQLite C API for the run store: prepared
// statements with typed binds and reads, transactions that roll back when an
// exception leaves them, and errors that name the database file and the SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <sqlite3.h>

#include "eval/eval_error.h"

namespace polysafe::eval {

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& where);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v);
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, double v);
  Statement& bind_null(int i);
  Statement& bind(int i, const std::optional<double>& v) { return v ? bind(i, *v) : bind_null(i); }
  // Next row: true while rows remain; EvalError on failure.
  bool step();
  void run() { while (step()) {} }

  std::string text(int col) const;
  int64_t integer(int col) const;
  double real(int col) const;
  bool is_null(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string where_;
};

void exec_sql(sqlite3* db, const std::string& sql, const std::string& where);

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& where);
  ~Transaction();
  void commit();

 private:
  sqlite3* db_;
  std::string where_;
  bool done_ = false;
};

}  // namespace polysafe::eval
