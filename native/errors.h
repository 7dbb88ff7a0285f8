// errors.h — the addon's one error convention.
// System calls report failure as a negative errno (libuv's convention). At the N-API seam a negative
// result becomes a JavaScript Error carrying `code` ("EADDRINUSE"), `errno` and `syscall`, thrown as a
// pending JavaScript exception: no C++ exception ever crosses the boundary.
#pragma once

#include <napi.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace tusk {

// "EADDRINUSE" for -EADDRINUSE: libuv's name where it has one, else the C library's.
inline std::string error_code(int negative_errno) {
  const char* name = uv_err_name(negative_errno);
  if (std::strncmp(name, "Unknown", 7) != 0) return name;
#ifdef __GLIBC__
  if (const char* libc = strerrorname_np(-negative_errno)) return libc;
#endif
  return "E" + std::to_string(-negative_errno);
}

// The negative errno of the last failed system call.
inline int last_error() { return -errno; }

// Makes the JavaScript error for a failed call; `what` adds context such as the address.
inline Napi::Error system_error(Napi::Env env, const char* syscall, int negative_errno,
                                const std::string& what = std::string()) {
  std::string message = std::string(syscall) + " failed: " + std::strerror(-negative_errno);
  if (!what.empty()) message += " (" + what + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, error_code(negative_errno)));
  error.Set("errno", Napi::Number::New(env, negative_errno));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

// Throws the error as a pending JavaScript exception and returns undefined for the caller to return.
inline Napi::Value throw_system_error(Napi::Env env, const char* syscall, int negative_errno,
                                      const std::string& what = std::string()) {
  system_error(env, syscall, negative_errno, what).ThrowAsJavaScriptException();
  return env.Undefined();
}

inline Napi::Value throw_type_error(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace tusk
