// signal_pipe.cc — the self-pipe trick for one signal. The handler runs on whichever thread the
// kernel picks and does the only async-signal-safe thing needed: write one byte (dropped when the
// pipe is full: a reader that is behind has a wake-up pending already). A watcher reads the other
// end on its own event loop: the worker's stack thread (src/stack.ts) hears the master's request
// while the main thread is stuck in JavaScript.
#include "signal_pipe.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "errors.h"

namespace tusk {
namespace {

// The write end + 1 for each signal that has a pipe; 0 for none (so that it starts zeroed).
volatile sig_atomic_t g_write_fd[NSIG];

void on_signal(int sig) {
  int saved = errno;
  int fd = g_write_fd[sig] - 1;
  if (fd >= 0) {
    char byte = 1;
    ssize_t ignored = write(fd, &byte, 1);
    (void)ignored;
  }
  errno = saved;
}

}  // namespace

Napi::Value SignalPipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "signalPipe(signal)");
  int sig = info[0].As<Napi::Number>().Int32Value();
  if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP) return throw_system_error(env, "sigaction", -EINVAL);
  if (g_write_fd[sig] != 0) return throw_system_error(env, "signalPipe", -EBUSY);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return throw_system_error(env, "pipe2", last_error());
  g_write_fd[sig] = fds[1] + 1;
  struct sigaction action{};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (sigaction(sig, &action, nullptr) != 0) {
    int err = last_error();
    g_write_fd[sig] = 0;
    close(fds[0]);
    close(fds[1]);
    return throw_system_error(env, "sigaction", err);
  }
  return Napi::Number::New(env, fds[0]);
}

}  // namespace tusk
