// Suite path expansion, see suite_files.h.
#include "data/suite_files.h"

#include <algorithm>
#include <filesystem>

#include "data/suite_item.h"

namespace polysafe::data {

std::vector<std::string> suite_files(const std::string& path, const std::function<bool(const std::string&)>& accept,
                                     const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return {path};
  if (!fs::is_directory(path, ec)) throw DataError(path + ": no such file or directory");
  std::vector<std::string> files;
  for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2) && accept(it->path().filename().string())) files.push_back(it->path().string());
  }
  if (ec) throw DataError(path + ": cannot list: " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw DataError(path + ": no " + what + " in this directory");
  return files;
}

}  // namespace polysafe::data
