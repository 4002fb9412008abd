#include "util/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "util/error.h"

namespace polysafe {

namespace {
struct Ctx {
  EVP_MD_CTX* c = EVP_MD_CTX_new();
  Ctx() { EVP_DigestInit_ex(c, EVP_sha256(), nullptr); }
  ~Ctx() { EVP_MD_CTX_free(c); }
  void update(const void* p, size_t n) { EVP_DigestUpdate(c, p, n); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(c, md, &len);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      out.push_back(digits[md[i] >> 4]);
      out.push_back(digits[md[i] & 15]);
    }
    return out;
  }
};
}  // namespace

std::string sha256_hex(std::string_view data) {
  Ctx ctx;
  ctx.update(data.data(), data.size());
  return ctx.hex();
}

std::string sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open: " + std::strerror(errno));
  Ctx ctx;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    ctx.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(path + ": read error");
  return ctx.hex();
}

}  // namespace polysafe
