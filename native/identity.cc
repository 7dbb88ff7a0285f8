// identity.cc — user and group look-ups for the workers' identity (user, group, initgroups). They
// run in the master before fork: getpwnam_r and friends may allocate, read files and talk to NSS
// services, none of which is allowed between fork and exec. The child only applies the numbers
// (native/spawn.cc).
#include "identity.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "errors.h"

namespace tusk {
namespace {

// The argument is a name (string) or an id (number); ids are checked to fit id_t.
bool read_key(const Napi::Value& value, std::string& name, uint32_t& id, bool& by_id) {
  if (value.IsString()) {
    name = value.As<Napi::String>();
    by_id = false;
    return !name.empty();
  }
  if (!value.IsNumber()) return false;
  double n = value.As<Napi::Number>().DoubleValue();
  if (n < 0 || n > 4294967294.0 || n != static_cast<double>(static_cast<uint32_t>(n))) return false;
  id = static_cast<uint32_t>(n);
  by_id = true;
  return true;
}

// One database look-up by name or id with the reentrant call (`call(by_id, name, id, record,
// buffer, size, &found)`), its buffer grown while the call reports ERANGE; `fill` turns the record
// into the object returned. Not found is null: some NSS modules report it as an errno.
template <typename Record, typename Call, typename Fill>
Napi::Value find(const Napi::CallbackInfo& info, const char* usage, const char* syscall, Call call, Fill fill) {
  Napi::Env env = info.Env();
  std::string name;
  uint32_t id = 0;
  bool by_id = false;
  if (info.Length() < 1 || !read_key(info[0], name, id, by_id)) return throw_type_error(env, usage);
  Record record{};
  Record* found = nullptr;
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<size_t>(hint) : 4096);
  int err;
  while ((err = call(by_id, name, id, &record, buffer.data(), buffer.size(), &found)) == ERANGE && buffer.size() < (1u << 20))
    buffer.resize(buffer.size() * 2);
  if (err != 0 && err != ENOENT && err != ESRCH && err != EBADF && err != EPERM) return throw_system_error(env, syscall, -err);
  if (found == nullptr) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  fill(out, *found);
  return out;
}

}  // namespace

Napi::Value LookupUser(const Napi::CallbackInfo& info) {
  auto call = [](bool by_id, const std::string& name, uint32_t id, struct passwd* r, char* b, size_t n, struct passwd** out) {
    return by_id ? getpwuid_r(static_cast<uid_t>(id), r, b, n, out) : getpwnam_r(name.c_str(), r, b, n, out);
  };
  return find<struct passwd>(info, "lookupUser(name | uid)", "getpwnam_r", call, [&](Napi::Object& out, const struct passwd& pw) {
    out.Set("uid", Napi::Number::New(info.Env(), pw.pw_uid));
    out.Set("gid", Napi::Number::New(info.Env(), pw.pw_gid));
    out.Set("name", Napi::String::New(info.Env(), pw.pw_name));
  });
}

Napi::Value LookupGroup(const Napi::CallbackInfo& info) {
  auto call = [](bool by_id, const std::string& name, uint32_t id, struct group* r, char* b, size_t n, struct group** out) {
    return by_id ? getgrgid_r(static_cast<gid_t>(id), r, b, n, out) : getgrnam_r(name.c_str(), r, b, n, out);
  };
  return find<struct group>(info, "lookupGroup(name | gid)", "getgrnam_r", call, [&](Napi::Object& out, const struct group& gr) {
    out.Set("gid", Napi::Number::New(info.Env(), gr.gr_gid));
    out.Set("name", Napi::String::New(info.Env(), gr.gr_name));
  });
}

Napi::Value GroupList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber())
    return throw_type_error(env, "groupList(userName, gid)");
  std::string user = info[0].As<Napi::String>();
  gid_t gid = static_cast<gid_t>(info[1].As<Napi::Number>().Uint32Value());
  int count = 32;
  std::vector<gid_t> groups;
  for (;;) {
    groups.resize(static_cast<size_t>(count));
    int asked = count;
    if (getgrouplist(user.c_str(), gid, groups.data(), &count) >= 0) break;
    if (count <= asked) count = asked * 2;  // some implementations do not report the size needed
    if (count > 65536) return throw_system_error(env, "getgrouplist", -ERANGE, user);
  }
  Napi::Array out = Napi::Array::New(env, static_cast<size_t>(count));
  for (int i = 0; i < count; i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, groups[static_cast<size_t>(i)]));
  return out;
}

Napi::Value ChownFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    return throw_type_error(env, "chownFd(fd, uid, gid)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  uid_t uid = static_cast<uid_t>(info[1].As<Napi::Number>().Uint32Value());
  gid_t gid = static_cast<gid_t>(info[2].As<Napi::Number>().Uint32Value());
  if (fchown(fd, uid, gid) != 0) return throw_system_error(env, "fchown", last_error());
  return env.Undefined();
}

}  // namespace tusk
