// identity.h — who a worker runs as: user and group records looked up in the master, before fork.
#pragma once

#include <napi.h>

namespace tusk {

// lookupUser(name | uid) -> { uid, gid, name } | null   (getpwnam_r / getpwuid_r, so NSS applies)
Napi::Value LookupUser(const Napi::CallbackInfo& info);
// lookupGroup(name | gid) -> { gid, name } | null
Napi::Value LookupGroup(const Napi::CallbackInfo& info);
// groupList(userName, gid) -> number[]: gid and every group listing userName (getgrouplist)
Napi::Value GroupList(const Napi::CallbackInfo& info);
// chownFd(fd, uid, gid): fchown, so that a worker running as uid can fchmod its heartbeat file
Napi::Value ChownFd(const Napi::CallbackInfo& info);

}  // namespace tusk
