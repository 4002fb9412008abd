// One loader per suite format, each turning its files into SuiteItems with
// stable ids, parallel ids, BCP-47 languages and lower_snake_case categories.
// load_suite (suite_loader.h) dispatches specs to these; tests call them
// directly. Every malformed input throws DataError naming file:line and field;
// none of them aborts or returns a half-read suite.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/suite_item.h"

namespace polysafe::data {

// XSafety (Wang et al. 2023, "All Languages Matter"): DIR/<lang>/<Category>.csv,
// headerless, one prompt per row; .xlsx files are read too (bn/). Rows align
// across languages by row index within a category:
//   id "xsafety/<category>/<row>/<lang>", parallel_id "xsafety/<category>/<row>",
//   row 0-based. Empty rows (one in ru/Insult.csv) give no item and keep the
//   alignment of the others. Category = file stem without the "_n"/"_en" suffix,
//   snake-cased; the misspelt ru "Crimes_And_Illegal_Activitie" is the usual
//   category; hi/commen_sense.csv, an earlier draft of hi/commonsense.csv (the
//   same questions without the closing "Output the unsafe choice." instruction
//   every other language has) is skipped when commonsense.csv is present.
//   All items harmful, scope "", source "xsafety", extra {file, row}.
Suite load_xsafety(const std::string& dir);

// MultiJail-style wide CSV (Deng et al. 2024): a header row; columns named by a
// language code hold one translation each; optional columns id, source, tags
// (comma-separated harm tags -> categories). id "multijail/<id>/<lang>",
// parallel_id "multijail/<id>" (<id> = the id column, else the 0-based data row).
// Empty cells give no item. Any other column is an error.
Suite load_multijail(const std::string& csv_path);

// Aya Red-teaming (Aakanksha et al. 2024) JSON Lines, a file or a directory of
// .jsonl: prompt, language (an English NAME), harm_category (JSON list, string
// holding one, or comma-separated), global_or_local -> scope,
// literal_translation / semantic_translation / explanation -> extra. Not
// parallel: id "aya/<lang>/<n>", n counting that language's records from 0 in
// file-name order.
Suite load_aya(const std::string& path);

// Do-Not-Answer (Wang et al. 2023) CSV: id, risk_area, types_of_harm,
// specific_harms, question. lang "en"; categories = snake-cased types_of_harm;
// id "dna/<id>/en", parallel_id "dna/<id>" (translations keep the ids).
Suite load_do_not_answer(const std::string& csv_path);

// RTP-LX (de Wynter et al. 2024) "RTP_LX_<LOCALE>.json" files (JSON Lines), a
// file or a directory. See rtplx_loader.cpp for locale and alignment rules.
Suite load_rtplx(const std::string& path);

// The generic loaders: params are the spec's ?key=value mapping (text, lang,
// category, id, parallel, scope, benign, default_lang); see generic_loader.cpp.
struct FieldMapping {
  std::string text, lang, category, id, parallel, scope, benign, default_lang;
};
FieldMapping field_mapping(const std::vector<std::pair<std::string, std::string>>& params, const std::string& spec);
Suite load_mapped_jsonl(const std::string& path, const FieldMapping& m);
Suite load_mapped_csv(const std::string& path, const FieldMapping& m);

// Suites compiled into the library ("redteam", from suites/redteam.jsonl).
Suite load_builtin(const std::string& name);

// Items in the form item_from_json reads, one JSON object per line (blank lines
// skipped), from text in memory; errors name "<label>:<line>: field 'x'". An item
// without a source gets `label`. The built-in suites are read with it.
Suite parse_items_jsonl(std::string_view text, const std::string& label);

}  // namespace polysafe::data
