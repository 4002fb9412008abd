// Loading an evaluation suite from a spec string, whatever its format:
//   builtin:redteam              the suite compiled into polysafe
//   xsafety:DIR                  XSafety folders (DIR/<lang>/<Category>.csv|.xlsx)
//   multijail:PATH.csv           MultiJail-style wide CSV (one column per language)
//   aya:PATH                     Aya Red-teaming JSON Lines (file or directory)
//   dna:PATH.csv                 Do-Not-Answer CSV
//   rtplx:PATH                   RTP-LX RTP_LX_*.json (file or directory)
//   polyrefuse:DIR[?split=S]     PolyRefuse harmful/harmless JSON arrays (split val by default)
//   jsonl:PATH?text=F&lang=F...  any JSON Lines or JSON array, fields named in the spec
//   csv:PATH?text=F&lang=F...    any CSV with a header, columns named in the spec
// Every suite comes back with unique ids, BCP-47 languages and snake_case
// categories (suite_formats.h has each format's rules). Bad specs and missing
// prompts or languages throw DataError naming spec or file:line:field; what a
// loader could read only in part is in Suite::warnings. Nothing here aborts.
#pragma once

#include <string>
#include <vector>

#include "data/suite_item.h"

namespace polysafe::data {

Suite load_suite(const std::string& spec);

// The schemes load_suite knows, in the order listed above.
const std::vector<std::string>& suite_schemes();

// Throws DataError("<suite name>: ...") when two items share an id or an item
// lacks an id, language or prompt. load_suite runs it on every suite it returns.
void check_suite(const Suite& suite);

}  // namespace polysafe::data
