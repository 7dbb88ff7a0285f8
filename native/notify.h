// notify.h — a datagram to the service manager's notification socket (NOTIFY_SOCKET).
#pragma once

#include <napi.h>

namespace tusk {

// notify(socketPath, message): one datagram to the unix socket `socketPath` ('@name' abstract);
// throws the system error (EINVAL for a name that is neither absolute nor abstract)
Napi::Value Notify(const Napi::CallbackInfo& info);

}  // namespace tusk
