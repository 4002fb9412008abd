#include "tokenizer/tokenizer_reference.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "test_paths.h"
#include "util/mapped_file.h"
#include "util/sha256.h"

namespace polysafe::test {

RefFile load_reference(const std::string& name) {
  const std::string path = source_dir() + "/tests/fixtures/tokenizer/" + name + ".llama.jsonl";
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open (run scripts/reference/tokenizer_vectors.py)");
  RefFile ref;
  std::map<std::string, std::string> files;  // dataset file -> bytes
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    if (lineno == 1) { ref.header = j; continue; }
    RefCase c;
    c.lang = j.at("lang").get<std::string>();
    if (j.contains("inline")) {
      c.text = j["inline"].get<std::string>();
      c.where = "inline#" + std::to_string(lineno);
    } else {
      const std::string src = j.at("src").get<std::string>();
      auto it = files.find(src);
      if (it == files.end()) it = files.emplace(src, read_text_file(shared_data_dir() + "/" + src)).first;
      const size_t off = j.at("off").get<size_t>(), len = j.at("len").get<size_t>();
      if (off + len > it->second.size()) throw std::runtime_error(src + ": byte span beyond end of file (data drift?)");
      c.text = it->second.substr(off, len);
      if (sha256_hex(c.text) != j.at("sha256").get<std::string>())
        throw std::runtime_error(src + " row " + std::to_string(j.at("row").get<int>()) +
                                 ": sha256 differs from the reference (dataset changed?)");
      const auto& fld = j.at("field");
      c.where = src + ":" + std::to_string(j.at("row").get<int>()) + ":" + (fld.is_string() ? fld.get<std::string>() : fld.dump());
    }
    c.ids_a = j.at("A").get<std::vector<int32_t>>();
    c.ids_b = j.at("B").get<std::vector<int32_t>>();
    c.rt = j.at("rt").get<bool>();
    ref.cases.push_back(std::move(c));
  }
  return ref;
}

void write_cases_json(const RefFile& ref, const std::string& path) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& c : ref.cases) arr.push_back(c.text);
  std::ofstream out(path);
  out << arr.dump();
}

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "polysafe-tok-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

}  // namespace polysafe::test
