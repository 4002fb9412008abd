// Do-Not-Answer loader, see suite_formats.h. The CSV is the one of
// Libr-AI/do-not-answer (939 questions; 5 risk areas, 12 types of harm, 61
// specific harms), copied unchanged by kunishou/do-not-answer-ja.
#include <set>

#include "data/csv_table.h"
#include "data/names.h"
#include "data/prompt_text.h"
#include "data/suite_formats.h"

namespace polysafe::data {

Suite load_do_not_answer(const std::string& csv_path) {
  CsvTable t = read_csv_table(csv_path);
  const size_t c_question = t.require("question");
  const int c_id = t.column("id"), c_area = t.column("risk_area"), c_type = t.column("types_of_harm"),
            c_specific = t.column("specific_harms");
  auto cell = [](const csv::Record& row, int c) { return c < 0 ? std::string() : clean_prompt(row.fields[size_t(c)]); };
  Suite suite;
  suite.name = "dna:" + csv_path;
  suite.warnings = std::move(t.warnings);
  std::set<std::string> seen;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string where = t.where(row);
    std::string question = clean_prompt(row.fields[c_question]);
    if (question.empty()) throw DataError(where + ": field 'question': empty");
    const std::string id = t.unique_id(c_id >= 0 ? cell(row, c_id) : std::to_string(r), row, seen, suite.warnings);

    SuiteItem item;
    item.parallel_id = "dna/" + id;
    item.id = item.parallel_id + "/en";
    item.lang = "en";
    item.prompt = std::move(question);
    if (std::string category = category_name(cell(row, c_type)); !category.empty()) item.categories = {category};
    item.source = "do_not_answer";
    item.extra = {{"dna_id", id},
                  {"risk_area", cell(row, c_area)},
                  {"types_of_harm", cell(row, c_type)},
                  {"specific_harms", cell(row, c_specific)}};
    suite.items.push_back(std::move(item));
  }
  if (suite.items.empty()) throw DataError(csv_path + ":2: no questions after the header");
  return suite;
}

}  // namespace polysafe::data
