// Builds a backend from a model spec: "local:NAME_OR_PATH",
// "openai:URL#MODEL" or "cohere:MODEL". The only place that knows every
// backend kind; unknown kinds fail with a message listing the known ones.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.h"
#include "backend/http_options.h"
#include "backend/local_backend.h"

namespace polysafe::backend {

struct BackendOptions {
  HttpOptions http;
  LocalOptions local;
};

struct BackendSpec {
  std::string kind;   // "local", "openai", "cohere"
  std::string target; // path/name, base URL, or model
  std::string model;  // openai: the part after '#'
};

// BackendError naming the spec and what is wrong with it.
BackendSpec parse_backend_spec(const std::string& spec);
std::unique_ptr<Backend> make_backend(const std::string& spec, const BackendOptions& opts);

}  // namespace polysafe::backend
