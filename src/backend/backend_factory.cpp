#include "backend/backend_factory.h"

#include "backend/cohere_backend.h"
#include "backend/openai_backend.h"

namespace polysafe::backend {

BackendSpec parse_backend_spec(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string known = "known kinds: local:NAME_OR_PATH, openai:URL#MODEL, cohere:MODEL";
  if (colon == std::string::npos || colon == 0)
    throw BackendError("model spec '" + spec + "': expected KIND:TARGET (" + known + ")");
  BackendSpec s;
  s.kind = spec.substr(0, colon);
  s.target = spec.substr(colon + 1);
  if (s.target.empty()) throw BackendError("model spec '" + spec + "': nothing after '" + s.kind + ":'");
  if (s.kind == "openai") {
    const auto hash = s.target.rfind('#');
    if (hash == std::string::npos || hash + 1 == s.target.size())
      throw BackendError("model spec '" + spec + "': expected openai:URL#MODEL (e.g. openai:http://127.0.0.1:8080/v1#llama)");
    s.model = s.target.substr(hash + 1);
    s.target = s.target.substr(0, hash);
  } else if (s.kind == "cohere") {
    s.model = s.target;
  } else if (s.kind != "local") {
    throw BackendError("model spec '" + spec + "': unknown kind '" + s.kind + "' (" + known + ")");
  }
  return s;
}

std::unique_ptr<Backend> make_backend(const std::string& spec, const BackendOptions& opts) {
  const BackendSpec s = parse_backend_spec(spec);
  if (s.kind == "local") return std::make_unique<LocalBackend>(s.target, opts.local);
  if (s.kind == "openai") return std::make_unique<OpenAiBackend>(s.target, s.model, opts.http);
  return std::make_unique<CohereBackend>(s.model, opts.http);
}

}  // namespace polysafe::backend
