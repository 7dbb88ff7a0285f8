// native/tls/context.cc — building the server's SSL_CTX (see context.h).
#include "tls/context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

namespace tusk::tls {

namespace {

constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

std::unique_ptr<BIO, BioFree> memory(std::string_view pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

bool fail(std::string* error, const char* what) {
  unsigned long code = ERR_get_error();
  char reason[256] = "";
  if (code != 0) ERR_error_string_n(code, reason, sizeof(reason));
  ERR_clear_error();
  *error = what;
  if (reason[0] != '\0') *error += std::string(" (") + reason + ")";
  return false;
}

// ALPN: http/1.1 when the client offers it; a client offering only other protocols is refused.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen, void*) {
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, kAlpn, sizeof(kAlpn), in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

bool load_chain(SSL_CTX* ctx, std::string_view pem, std::string* error) {
  auto bio = memory(pem);
  std::unique_ptr<X509, X509Free> leaf(bio ? PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) return fail(error, "certfile: no usable PEM certificate");
  SSL_CTX_clear_chain_certs(ctx);
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      return fail(error, "certfile: a chain certificate cannot be used");
    }
  }
  ERR_clear_error();  // the end of the file reads as a "no start line" error
  return true;
}

bool load_key(SSL_CTX* ctx, std::string_view pem, std::string* error) {
  auto bio = memory(pem);
  std::unique_ptr<EVP_PKEY, KeyFree> key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) return fail(error, "keyfile: no usable PEM private key");
  if (SSL_CTX_check_private_key(ctx) != 1) return fail(error, "keyfile: the private key does not match the certificate");
  return true;
}

bool load_ca(SSL_CTX* ctx, std::string_view pem, std::string* error) {
  auto bio = memory(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  int count = 0;
  while (X509* ca = bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr) {
    X509_STORE_add_cert(store, ca);
    if (X509_NAME* name = X509_NAME_dup(X509_get_subject_name(ca))) sk_X509_NAME_push(names, name);
    X509_free(ca);
    count++;
  }
  ERR_clear_error();
  if (count == 0) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    *error = "ca_certs: no PEM certificate";
    return false;
  }
  SSL_CTX_set_client_CA_list(ctx, names);  // the context owns `names` now
  return true;
}

}  // namespace

ContextPtr make_context(const ContextOptions& o, std::string* error) {
  ERR_clear_error();
  ContextPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    fail(error, "SSL_CTX_new failed");
    return nullptr;
  }
  int floor = o.min_version == "TLSv1.3" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (o.min_version != "TLSv1.2" && o.min_version != "TLSv1.3") {
    *error = "ssl_version: expected TLSv1.2 or TLSv1.3";
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), floor);
  // No renegotiation, no session tickets shared across workers' different keys, no compression.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  if (!load_chain(ctx.get(), o.cert, error) || !load_key(ctx.get(), o.key, error)) return nullptr;
  if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(ctx.get(), std::string(o.ciphers).c_str()) != 1) {
    fail(error, "ciphers: OpenSSL accepts none of them");
    return nullptr;
  }
  if (!o.ca.empty() && !load_ca(ctx.get(), o.ca, error)) return nullptr;
  int mode = SSL_VERIFY_NONE;
  if (o.verify == 1) mode = SSL_VERIFY_PEER;
  if (o.verify == 2) mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx.get(), mode, nullptr);
  SSL_CTX_set_alpn_select_cb(ctx.get(), select_alpn, nullptr);
  static const unsigned char kSessionId[] = "tusk";
  SSL_CTX_set_session_id_context(ctx.get(), kSessionId, sizeof(kSessionId) - 1);
  return ctx;
}

}  // namespace tusk::tls
