// One loader per suite format, each turning its files into SuiteItems with
// stable ids, parallel ids, BCP-47 languages and lower_snake_case categories.
// load_suite (suite_loader.h) dispatches specs to these; tests call them
// directly. They read the files their authors publish, unchanged (BOM, CRLF,
// JSON arrays or JSON Lines, Python-literal lists, extra columns): a missing
// prompt or language throws DataError naming file:line and field; an optional
// field that cannot be read is a Suite::warnings entry and its row is kept.
// None of them aborts.
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
// language code ICU knows hold one translation each; optional columns id,
// source, tags (a list-valued cell, list_cell.h: the published file has Python
// list literals -> categories). id "multijail/<id>/<lang>", parallel_id
// "multijail/<id>" (<id> = the id column, else the 0-based data row; an empty
// or repeated id is a warning and the row is named by its line). Empty cells
// give no item. Any other column is ignored with a warning.
Suite load_multijail(const std::string& csv_path);

// Aya Red-teaming (Aakanksha et al. 2024) JSON Lines (or a JSON array), a file
// or a directory of .jsonl/.json: prompt, language (an English NAME),
// harm_category (a list-valued cell), global_or_local -> scope,
// literal_translation / semantic_translation / explanation -> extra. Not
// parallel: id "aya/<lang>/<n>", n counting that language's records from 0 in
// file-name order.
Suite load_aya(const std::string& path);

// Do-Not-Answer (Wang et al. 2023) CSV: question (required), id, risk_area,
// types_of_harm, specific_harms. lang "en"; categories = snake-cased
// types_of_harm; id "dna/<id>/en", parallel_id "dna/<id>" (translations keep the
// ids; without an id column the 0-based row).
Suite load_do_not_answer(const std::string& csv_path);

// RTP-LX (de Wynter et al. 2024) "RTP_LX_<LOCALE>.json" files (JSON Lines), a
// file or a directory. See rtplx_loader.cpp for locale and alignment rules.
Suite load_rtplx(const std::string& path);

// PolyRefuse (mainlp/Multilingual-Refusal): DIR/{harmful,harmless}_<split>_
// translated_<lang>.json (JSON arrays), or one such file. Harmful prompts are
// red-team items with category = the snake-cased `category` (null: none);
// harmless prompts are benign controls (benign = true), so over-refusal is
// measured per language. `split` "" means "val" for a directory, the file's own
// split for a file; a split with no files is an error naming those present.
// In train/val `instruction` is the prompt; in test `instruction_translated`
// is, `instruction` its English source (extra.instruction_en), and the en file
// has `instruction` only. id "polyrefuse/<kind>/<split>/<index>/<lang>",
// parallel_id "polyrefuse/<kind>/<split>/<index>", except for rows known not
// to be aligned (harmless zh train/val) or whose English source differs from
// the en file's at that index: those get no parallel_id and never pair.
Suite load_polyrefuse(const std::string& path, const std::string& split);

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
