// native/tls/context.h — the server side's SSL_CTX, made from PEM bytes (the certificate chain, its
// key, the CA certificates client certificates are checked against), a cipher list, a version floor
// and a verify mode, with ALPN http/1.1. Pure OpenSSL, no N-API, no I/O.
//
// OpenSSL is the one Node itself ships: its headers are in Node's include dir (include/node/openssl,
// which node-gyp puts on the include path) and the node binary exports the SSL_* symbols, so the
// addon links nothing extra and a TLS connection of the engine uses the same library, version and
// defaults as node:tls. The standalone C++ tests link the system's libssl instead (CMakeLists.txt).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

namespace tusk::tls {

struct ContextOptions {
  std::string_view cert;     // PEM chain, the server's certificate first
  std::string_view key;      // PEM private key
  std::string_view ca;       // PEM CA certificates; empty: none
  std::string_view ciphers;  // OpenSSL cipher list for TLS 1.2; empty: OpenSSL's default
  std::string_view min_version;  // "TLSv1.2" or "TLSv1.3"
  int verify = 0;            // 0 none, 1 optional, 2 required (Gunicorn's cert_reqs)
};

struct ContextFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using ContextPtr = std::unique_ptr<SSL_CTX, ContextFree>;

// The context, or null with `*error` saying what is wrong (OpenSSL's first reason, on one line).
ContextPtr make_context(const ContextOptions& options, std::string* error);

}  // namespace tusk::tls
