// Which files a suite path names: the path itself when it is a file, else the
// matching files directly inside the directory, in name order (so ids that
// count records are stable). Errors are DataError naming the path; a directory
// with no matching file is an error, never an empty suite.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace polysafe::data {

// `accept` sees a file name (no directory); `what` describes the expected files
// in the error message (".jsonl files", "RTP_LX_*.json files").
std::vector<std::string> suite_files(const std::string& path, const std::function<bool(const std::string&)>& accept,
                                     const std::string& what);

}  // namespace polysafe::data
