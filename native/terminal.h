// terminal.h — is this process in its terminal's foreground process group.
#pragma once

#include <napi.h>

namespace tusk {

// inForeground() -> true when the process has a controlling terminal and is in its foreground group
Napi::Value InForeground(const Napi::CallbackInfo& info);

}  // namespace tusk
