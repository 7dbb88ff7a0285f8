// native/http/test/harness.h — a minimal self-written test harness.
//
// Owns TEST(), CHECK(), CHECK_EQ() and run_all(): tests register themselves,
// a failed check prints file:line and the values, and run_all() prints
// "N passed, N failed" (one count per test) and returns the exit code.
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

struct Test {
  const char* name;
  void (*fn)();
};

inline std::vector<Test>& registry() {
  static std::vector<Test> tests;
  return tests;
}

inline int& failures_in_current() {
  static int n = 0;
  return n;
}

struct Registrar {
  Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

// Printable form of a value; bytes outside 0x20-0x7E are escaped.
inline std::string show(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}
inline std::string show(const std::string& s) { return show(std::string_view(s)); }
inline std::string show(const char* s) { return show(std::string_view(s ? s : "(null)")); }
template <class T>
std::string show(const T& v) {
  std::ostringstream o;
  if constexpr (sizeof(T) == 1) o << static_cast<int>(v);
  else o << v;
  return o.str();
}

inline void fail_check(const char* file, int line, const std::string& what) {
  ++failures_in_current();
  std::printf("    %s:%d: %s\n", file, line, what.c_str());
}

// Runs every registered test whose name contains `filter` (empty: all).
inline int run_all(std::string_view filter, int extra_passed, int extra_failed) {
  int passed = extra_passed, failed = extra_failed;
  for (const Test& t : registry()) {
    if (!filter.empty() && std::string_view(t.name).find(filter) == std::string_view::npos)
      continue;
    failures_in_current() = 0;
    t.fn();
    if (failures_in_current() == 0) {
      ++passed;
    } else {
      ++failed;
      std::printf("FAIL %s\n", t.name);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace harness

#define TEST(name)                                                  \
  static void name();                                               \
  static const harness::Registrar name##_registrar(#name, &name);   \
  static void name()

#define CHECK(cond)                                                 \
  do {                                                              \
    if (!(cond)) harness::fail_check(__FILE__, __LINE__, #cond);    \
  } while (0)

#define CHECK_EQ(a, b)                                                        \
  do {                                                                        \
    const auto& check_a_ = (a);                                               \
    const auto& check_b_ = (b);                                               \
    if (!(check_a_ == check_b_))                                              \
      harness::fail_check(__FILE__, __LINE__,                                 \
                          std::string(#a " == " #b ": ") +                    \
                              harness::show(check_a_) + " vs " +              \
                              harness::show(check_b_));                       \
  } while (0)
