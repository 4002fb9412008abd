#include "chat_template/jinja_operators.h"

#include <cmath>
#include <limits>

#include "chat_template/jinja_strings.h"

namespace polysafe::chat_template::jinja {
namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  if (a.is_undefined()) fail(a.undefined_hint());
  if (b.is_undefined()) fail(b.undefined_hint());
  fail("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

bool is_intlike(const Value& v) { return v.is_int() || v.is_bool(); }
bool is_seq(const Value& v) { return v.seq_kind() == SeqKind::List || v.seq_kind() == SeqKind::Tuple; }

Value checked_int(__int128 r) {
  if (r > std::numeric_limits<int64_t>::max() || r < std::numeric_limits<int64_t>::min())
    fail("integer overflow (polysafe templates use 64-bit integers)");
  return Value::integer(static_cast<int64_t>(r));
}

// CPython float_divmod (Objects/floatobject.c).
void float_divmod(double vx, double wx, double* floordiv, double* mod) {
  if (wx == 0.0) fail("float floor division by zero");
  double m = std::fmod(vx, wx);
  double div = (vx - m) / wx;
  if (m != 0.0) {
    if ((wx < 0) != (m < 0)) {
      m += wx;
      div -= 1.0;
    }
  } else {
    m = std::copysign(0.0, wx);
  }
  double fd;
  if (div != 0.0) {
    fd = std::floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = std::copysign(0.0, vx / wx);
  }
  *floordiv = fd;
  *mod = m;
}

Value repeat_string(const std::string& s, int64_t n, size_t max_bytes) {
  if (n <= 0 || s.empty()) return Value::string("");
  if (static_cast<double>(s.size()) * static_cast<double>(n) > static_cast<double>(max_bytes))
    fail("string repetition would exceed the output limit of " + std::to_string(max_bytes) + " bytes");
  std::string out;
  out.reserve(s.size() * n);
  for (int64_t i = 0; i < n; ++i) out += s;
  return Value::string(std::move(out));
}

Value repeat_list(const Value& l, int64_t n, size_t max_bytes) {
  std::vector<Value> out;
  if (n > 0) {
    double total = static_cast<double>(approx_size(l)) * static_cast<double>(n);
    if (total > static_cast<double>(max_bytes)) fail("list repetition would exceed the memory limit");
    for (int64_t i = 0; i < n; ++i) out.insert(out.end(), l.items().begin(), l.items().end());
  }
  return Value::list(std::move(out), l.seq_kind());
}

}  // namespace

size_t approx_size(const Value& v, int depth) {
  switch (v.kind()) {
    case Value::Kind::String: return v.as_string().size() + 16;
    case Value::Kind::List: {
      size_t n = 16;
      if (depth > 50) return n;
      for (const auto& it : v.items()) n += approx_size(it, depth + 1);
      return n;
    }
    case Value::Kind::Dict: {
      size_t n = 16;
      if (depth > 50) return n;
      for (const auto& [k, x] : v.dict_data().entries) n += approx_size(k, depth + 1) + approx_size(x, depth + 1);
      return n;
    }
    default: return 16;
  }
}

Value binary_op(const std::string& op, const Value& a, const Value& b, size_t max_bytes) {
  const bool nums = a.is_number() && b.is_number();
  const bool ints = is_intlike(a) && is_intlike(b);
  if (op == "+") {
    if (ints) return checked_int(static_cast<__int128>(a.as_int()) + b.as_int());
    if (nums) return Value::number(a.as_double() + b.as_double());
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > max_bytes) fail("string concatenation exceeds the output limit");
      return Value::string(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list() && a.seq_kind() == b.seq_kind() && is_seq(a)) {
      std::vector<Value> out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return Value::list(std::move(out), a.seq_kind());
    }
    if (a.is_string() && !b.is_undefined() && !a.is_undefined())
      fail("can only concatenate str (not \"" + b.type_name() + "\") to str");
    if (a.is_list() && a.seq_kind() == SeqKind::List && !b.is_undefined())
      fail("can only concatenate list (not \"" + b.type_name() + "\") to list");
    unsupported(op, a, b);
  }
  if (op == "-") {
    if (ints) return checked_int(static_cast<__int128>(a.as_int()) - b.as_int());
    if (nums) return Value::number(a.as_double() - b.as_double());
    unsupported(op, a, b);
  }
  if (op == "*") {
    if (ints) return checked_int(static_cast<__int128>(a.as_int()) * b.as_int());
    if (nums) return Value::number(a.as_double() * b.as_double());
    if (a.is_string() && is_intlike(b)) return repeat_string(a.as_string(), b.as_int(), max_bytes);
    if (b.is_string() && is_intlike(a)) return repeat_string(b.as_string(), a.as_int(), max_bytes);
    if (a.is_list() && is_seq(a) && is_intlike(b)) return repeat_list(a, b.as_int(), max_bytes);
    if (b.is_list() && is_seq(b) && is_intlike(a)) return repeat_list(b, a.as_int(), max_bytes);
    if ((a.is_string() || a.is_list()) && !b.is_undefined())
      fail("can't multiply sequence by non-int of type '" + b.type_name() + "'");
    unsupported(op, a, b);
  }
  if (op == "/") {
    if (!nums) unsupported(op, a, b);
    if (b.as_double() == 0.0) fail("division by zero");
    return Value::number(a.as_double() / b.as_double());
  }
  if (op == "//") {
    if (!nums) unsupported(op, a, b);
    if (ints) {
      int64_t x = a.as_int(), y = b.as_int();
      if (y == 0) fail("integer division or modulo by zero");
      if (x == std::numeric_limits<int64_t>::min() && y == -1) fail("integer overflow (polysafe templates use 64-bit integers)");
      int64_t q = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
      return Value::integer(q);
    }
    double fd, m;
    float_divmod(a.as_double(), b.as_double(), &fd, &m);
    return Value::number(fd);
  }
  if (op == "%") {
    if (a.is_string()) return Value::string(pystr::percent_format(a.as_string(), b));
    if (!nums) unsupported(op, a, b);
    if (ints) {
      int64_t x = a.as_int(), y = b.as_int();
      if (y == 0) fail("integer division or modulo by zero");
      if (y == -1) return Value::integer(0);
      int64_t r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) r += y;
      return Value::integer(r);
    }
    if (b.as_double() == 0.0) fail("float modulo");
    double fd, m;
    float_divmod(a.as_double(), b.as_double(), &fd, &m);
    return Value::number(m);
  }
  if (op == "**") {
    if (!nums) unsupported(op, a, b);
    if (ints && b.as_int() >= 0) {
      __int128 r = 1, base = a.as_int();
      int64_t e = b.as_int();
      while (e > 0) {
        if (e & 1) {
          r *= base;
          if (r > std::numeric_limits<int64_t>::max() || r < std::numeric_limits<int64_t>::min())
            fail("integer overflow (polysafe templates use 64-bit integers)");
        }
        e >>= 1;
        if (e > 0) {
          base *= base;
          if (base > std::numeric_limits<int64_t>::max() || base < std::numeric_limits<int64_t>::min())
            fail("integer overflow (polysafe templates use 64-bit integers)");
        }
      }
      return checked_int(r);
    }
    double x = a.as_double(), y = b.as_double();
    if (x == 0.0 && y < 0) fail("0.0 cannot be raised to a negative power");
    if (x < 0 && y != std::floor(y)) fail("negative number raised to a fractional power gives a complex number (unsupported)");
    double r = std::pow(x, y);
    if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) fail("(34, 'Numerical result out of range')");
    return Value::number(r);
  }
  fail("unknown operator " + op);
}

Value unary_op(const std::string& op, const Value& a) {
  if (a.is_undefined()) fail(a.undefined_hint());
  if (!a.is_number()) fail("bad operand type for unary " + op + ": '" + a.type_name() + "'");
  if (op == "-") {
    if (a.is_float()) return Value::number(-a.as_double());
    if (a.as_int() == std::numeric_limits<int64_t>::min()) fail("integer overflow");
    return Value::integer(-a.as_int());
  }
  if (a.is_bool()) return Value::integer(a.as_int());
  return a;
}

bool contains(const Value& c, const Value& item) {
  switch (c.kind()) {
    case Value::Kind::String:
      if (!item.is_string())
        fail("'in <string>' requires string as left operand, not " + item.type_name());
      return c.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::List:
      for (const auto& x : c.items())
        if (equals(x, item)) return true;
      return false;
    case Value::Kind::Dict: return c.dict_data().find(item) != nullptr;
    case Value::Kind::Undefined: return false;
    default: fail("argument of type '" + c.type_name() + "' is not iterable");
  }
}

}  // namespace polysafe::chat_template::jinja
