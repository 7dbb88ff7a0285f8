// reap.cc — collects the exit status of one of the master's own children. waitpid(-1) would also
// steal the children that libuv (child_process) started, so the master asks about each pid it forked.
// As PID 1 it must also reap orphans the kernel hands it: `peekExited` names an exited child without
// collecting it (WNOWAIT), and the master's policy (src/orphans.ts) decides whether it is one to reap.
#include "reap.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors.h"

namespace tusk {

Napi::Value Reap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "reap(pid)");
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  if (pid <= 0) return throw_type_error(env, "reap(pid) takes one positive pid");
  int status = 0;
  pid_t got;
  do {
    got = waitpid(pid, &status, WNOHANG);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return throw_system_error(env, "waitpid", last_error());
  if (got == 0) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", got);
  if (WIFEXITED(status)) {
    out.Set("code", WEXITSTATUS(status));
    out.Set("signal", env.Null());
  } else {
    out.Set("code", env.Null());
    out.Set("signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  }
  return out;
}

Napi::Value PeekExited(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  siginfo_t si{};
  int rc;
  do {
    rc = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno == ECHILD) return Napi::Number::New(env, 0);
  if (rc < 0) return throw_system_error(env, "waitid", last_error());
  return Napi::Number::New(env, si.si_pid);
}

Napi::Value ParentPid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), getppid()); }

}  // namespace tusk
