// Hugging Face Hub addressing: the endpoint ($HF_ENDPOINT), repository ids,
// repo-relative file names and the `{endpoint}/{repo}/resolve/{revision}/{file}`
// URLs built from them. Ids and names are validated here so that nothing from
// a server or a user can address a path outside the download directory.
// Nothing here does I/O or ever sees a token.
#pragma once

#include <string>

namespace polysafe::hub {

inline constexpr const char* kDefaultEndpoint = "https://huggingface.co";

// $HF_ENDPOINT if set and non-empty, else https://huggingface.co; no trailing '/'.
std::string hub_endpoint();

// "org/name" or "name": letters, digits, '-', '_', '.'; no "..", no leading or
// trailing separator, at most 96 characters per part. Throws HubError.
void validate_repo_id(const std::string& repo_id);
// A relative path inside a repository ("config.json", "onnx/model.onnx"): no
// absolute paths, "..", ".", empty segments, backslashes or control characters.
void validate_repo_filename(const std::string& repo_id, const std::string& filename);

// Percent-encodes everything outside RFC 3986 "unreserved"; '/' kept if asked.
std::string url_encode(const std::string& s, bool keep_slash);

// {endpoint}/{repo}/resolve/{revision}/{filename}; the revision is encoded as
// one segment ("refs/pr/1" -> "refs%2Fpr%2F1"), the file name per segment.
std::string resolve_url(const std::string& endpoint, const std::string& repo_id,
                        const std::string& revision, const std::string& filename);
// {endpoint}/api/models/{repo}/revision/{revision}: the repository's file list.
std::string model_info_url(const std::string& endpoint, const std::string& repo_id,
                           const std::string& revision);

// The URL with any "user:password@" part replaced by "***@", for messages.
std::string redact_url(const std::string& url);

}  // namespace polysafe::hub
