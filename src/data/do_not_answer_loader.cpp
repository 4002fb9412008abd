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
  const size_t c_id = t.require("id"), c_area = t.require("risk_area"), c_type = t.require("types_of_harm"),
               c_specific = t.require("specific_harms"), c_question = t.require("question");
  Suite suite;
  suite.name = "dna:" + csv_path;
  std::set<std::string> seen;
  for (const auto& row : t.rows) {
    const std::string where = t.where(row);
    std::string id = clean_prompt(row.fields[c_id]);
    if (id.empty()) throw DataError(where + ": field 'id': empty");
    if (!seen.insert(id).second) throw DataError(where + ": field 'id': '" + id + "' repeated");
    std::string question = clean_prompt(row.fields[c_question]);
    if (question.empty()) throw DataError(where + ": field 'question': empty");
    std::string category = category_name(row.fields[c_type]);
    if (category.empty()) throw DataError(where + ": field 'types_of_harm': empty");

    SuiteItem item;
    item.parallel_id = "dna/" + id;
    item.id = item.parallel_id + "/en";
    item.lang = "en";
    item.prompt = std::move(question);
    item.categories = {category};
    item.source = "do_not_answer";
    item.extra = {{"dna_id", id},
                  {"risk_area", clean_prompt(row.fields[c_area])},
                  {"types_of_harm", clean_prompt(row.fields[c_type])},
                  {"specific_harms", clean_prompt(row.fields[c_specific])}};
    suite.items.push_back(std::move(item));
  }
  if (suite.items.empty()) throw DataError(csv_path + ":2: no questions after the header");
  return suite;
}

}  // namespace polysafe::data
