#include "backend/shared_backend.h"

#include <map>

namespace polysafe::backend {

namespace {

class SharedHandle : public Backend {
 public:
  explicit SharedHandle(std::shared_ptr<Backend> b) : b_(std::move(b)) {}
  std::string spec() const override { return b_->spec(); }
  std::string fingerprint() const override { return b_->fingerprint(); }
  void generate(const std::vector<Request>& requests, const ResponseCallback& on_done,
                const std::function<bool()>& should_stop) override {
    b_->generate(requests, on_done, should_stop);
  }
  std::vector<std::vector<float>> embed(const std::vector<std::string>& texts, const std::string& point) override {
    return b_->embed(texts, point);
  }

 private:
  std::shared_ptr<Backend> b_;
};

}  // namespace

BackendFactory share_backends(BackendFactory make) {
  auto built = std::make_shared<std::map<std::string, std::weak_ptr<Backend>>>();
  return [make = std::move(make), built](const std::string& spec) -> std::unique_ptr<Backend> {
    auto& slot = (*built)[spec];
    std::shared_ptr<Backend> b = slot.lock();
    if (!b) {
      b = std::shared_ptr<Backend>(make(spec));
      slot = b;
    }
    return std::make_unique<SharedHandle>(std::move(b));
  };
}

}  // namespace polysafe::backend
