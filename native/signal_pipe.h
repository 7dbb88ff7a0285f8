// signal_pipe.h — a signal turned into a readable byte, for a thread that must hear a signal while
// the event loop that would run a JavaScript handler is blocked.
#pragma once

#include <napi.h>

namespace tusk {

// signalPipe(signal) -> fd: the read end of a non-blocking, close-on-exec pipe that receives one
// byte each time the process gets `signal` (a sigaction handler that only write()s). Once per signal.
Napi::Value SignalPipe(const Napi::CallbackInfo& info);

}  // namespace tusk
