// share_backends: one instance per spec, handles that forward to it, and the
// default embed of a backend that has no local model.
#include <gtest/gtest.h>

#include "backend/backend_factory.h"
#include "backend/shared_backend.h"

using namespace polysafe::backend;

namespace {

// Counts constructions and answers every request with its spec.
struct Counting : Backend {
  explicit Counting(std::string s) : s_(std::move(s)) {}
  std::string spec() const override { return s_; }
  std::string fingerprint() const override { return s_ + "|fp"; }
  void generate(const std::vector<Request>& rs, const ResponseCallback& done, const std::function<bool()>&) override {
    for (size_t i = 0; i < rs.size(); ++i) {
      Response r;
      r.ok = true;
      r.texts = {s_};
      done(i, r);
    }
  }
  std::string s_;
};

}  // namespace

TEST(SharedBackend, BuildsEachSpecOnceAndForwards) {
  int built = 0;
  auto make = share_backends([&](const std::string& spec) {
    ++built;
    return std::make_unique<Counting>(spec);
  });
  auto a = make("local:gemma3-270m");
  auto b = make("local:gemma3-270m");
  auto c = make("local:smollm2-135m-instruct");
  EXPECT_EQ(built, 2);
  EXPECT_EQ(a->fingerprint(), "local:gemma3-270m|fp");
  std::string got;
  b->generate({Request{}}, [&](size_t, Response r) { got = r.texts.at(0); });
  EXPECT_EQ(got, "local:gemma3-270m");
  // The instance lives while a handle does; once all are gone the next call builds anew.
  a.reset();
  b.reset();
  auto d = make("local:gemma3-270m");
  EXPECT_EQ(built, 3);
  // A backend with no local model cannot embed and names itself.
  try {
    c->embed({"x"}, "final-norm");
    FAIL() << "no error";
  } catch (const BackendError& e) {
    EXPECT_NE(std::string(e.what()).find("local:smollm2-135m-instruct"), std::string::npos) << e.what();
  }
}

TEST(SharedBackend, HttpBackendCannotEmbed) {
  auto b = make_backend("openai:http://127.0.0.1:9/v1#m", BackendOptions{});
  EXPECT_THROW(b->embed({"x"}, "final-norm"), BackendError);
}
