// spawn.cc — starts a worker: fork(), then in the child only async-signal-safe calls, then execve().
// A running Node process is not fork-safe (V8's platform threads and libuv's thread pool do not
// survive fork), so the child never returns to JavaScript: everything it needs (argv, envp, the fd
// plan, the user and groups to run as) is built before fork, and the child reports a failure (the
// step and its errno) through a close-on-exec pipe.
#include "spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "errors.h"

namespace tusk {
namespace {

constexpr int kFirstPlacedFd = 3;
constexpr int kMaxPlacedFds = 1024;

// Everything the child uses, prepared before fork so that the child allocates nothing.
struct Plan {
  std::string file;
  std::vector<std::string> arg_strings, env_strings;
  std::vector<char*> argv, envp;
  std::vector<int> fds;
  int stdio[2] = {-1, -1};  // what becomes the child's 1 and 2; -1 keeps the master's
  int death_signal = 0;
  // The directory to exec in; empty: the parent's.
  std::string cwd;
  pid_t parent = 0;
  long max_fd = 0;
  // The identity to drop to (user, group, initgroups); resolved to numbers by the caller.
  bool set_identity = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

// What the child was doing when it failed, reported with the errno.
enum Step : int { kStepFds, kStepSetgroups, kStepSetgid, kStepSetuid, kStepDeathSignal, kStepChdir, kStepExec };
const char* const kStepNames[] = {"dup2", "setgroups", "setgid", "setuid", "prctl", "chdir", "execve"};

bool read_strings(Napi::Value value, std::vector<std::string>& out) {
  if (!value.IsArray()) return false;
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) return false;
    out.push_back(item.As<Napi::String>());
  }
  return true;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Closes [first, last] (last < 0: every descriptor from first on); close_range where the kernel has
// it, else one close() per descriptor up to the limit measured before fork.
void close_fds(int first, long last, long max_fd) {
  unsigned upper = last < 0 ? ~0u : static_cast<unsigned>(last);
  if (last >= 0 && first > last) return;
  if (syscall(SYS_close_range, static_cast<unsigned>(first), upper, 0u) == 0) return;
  long end = last < 0 ? max_fd : last;
  for (long fd = first; fd <= end; fd++) close(static_cast<int>(fd));
}

[[noreturn]] void fail(int pipe_fd, Step step, int err) {
  int report[2] = {step, err};
  ssize_t ignored = write(pipe_fd, report, sizeof report);
  (void)ignored;
  _exit(127);
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void child(const Plan& plan, int pipe_fd) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, nullptr);  // EINVAL on reserved ones is fine
  }

  // Move every descriptor we keep above the target range first, so placing one cannot clobber another.
  const int count = static_cast<int>(plan.fds.size());
  const int above = kFirstPlacedFd + count;
  int report = fcntl(pipe_fd, F_DUPFD_CLOEXEC, above);
  if (report < 0) fail(pipe_fd, kStepFds, errno);
  int moved[kMaxPlacedFds];
  for (int i = 0; i < count; i++) {
    moved[i] = fcntl(plan.fds[i], F_DUPFD_CLOEXEC, above);
    if (moved[i] < 0) fail(report, kStepFds, errno);
  }
  int moved_stdio[2] = {-1, -1};
  for (int i = 0; i < 2; i++) {
    if (plan.stdio[i] >= 0 && (moved_stdio[i] = fcntl(plan.stdio[i], F_DUPFD_CLOEXEC, above)) < 0) fail(report, kStepFds, errno);
  }
  for (int i = 0; i < count; i++) {
    if (dup2(moved[i], kFirstPlacedFd + i) < 0) fail(report, kStepFds, errno);  // the copy is inheritable
  }
  for (int i = 0; i < 2; i++) {
    if (moved_stdio[i] >= 0 && dup2(moved_stdio[i], 1 + i) < 0) fail(report, kStepFds, errno);
  }
  // Node marks its stdio close-on-exec; the worker shares the master's stdin, stdout and stderr.
  for (int fd = 0; fd < kFirstPlacedFd; fd++) fcntl(fd, F_SETFD, 0);
  close_fds(above, report - 1, plan.max_fd);
  close_fds(report + 1, -1, plan.max_fd);

  // Groups first, then the group, then the user: once the user is dropped nothing else may change.
  // Raw system calls: they change this thread only, which is the child's only thread, whereas the
  // C library's wrappers signal every thread of the parent it believes still exists.
  if (plan.set_identity) {
    if (syscall(SYS_setgroups, plan.groups.size(), plan.groups.data()) != 0) fail(report, kStepSetgroups, errno);
    if (syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) fail(report, kStepSetgid, errno);
    if (syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) fail(report, kStepSetuid, errno);
  }
  // After the identity change, which clears the death signal.
  if (plan.death_signal != 0) {
    if (prctl(PR_SET_PDEATHSIG, plan.death_signal) != 0) fail(report, kStepDeathSignal, errno);
    if (getppid() != plan.parent) _exit(0);  // the master died before the death signal was armed
  }
  if (!plan.cwd.empty() && chdir(plan.cwd.c_str()) != 0) fail(report, kStepChdir, errno);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(plan.file.c_str(), plan.argv.data(), plan.envp.data());
  fail(report, kStepExec, errno);
}

}  // namespace

Napi::Value Spawn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "spawn({ file, args, env, fds, deathSignal, identity?: { uid, gid, groups }, cwd?: string, stdout?, stderr? })";
  if (info.Length() < 1 || !info[0].IsObject()) return throw_type_error(env, usage);
  Napi::Object options = info[0].As<Napi::Object>();
  Plan plan;
  Napi::Value file = options.Get("file");
  Napi::Value fds = options.Get("fds");
  if (!file.IsString() || !read_strings(options.Get("args"), plan.arg_strings) ||
      !read_strings(options.Get("env"), plan.env_strings) || !fds.IsArray())
    return throw_type_error(env, usage);
  plan.file = file.As<Napi::String>();
  Napi::Array fd_array = fds.As<Napi::Array>();
  for (uint32_t i = 0; i < fd_array.Length(); i++) {
    Napi::Value fd = fd_array.Get(i);
    if (!fd.IsNumber()) return throw_type_error(env, usage);
    plan.fds.push_back(fd.As<Napi::Number>().Int32Value());
  }
  if (plan.fds.size() > static_cast<size_t>(kMaxPlacedFds)) return throw_system_error(env, "spawn", -EMFILE);
  const char* stdio_names[2] = {"stdout", "stderr"};
  for (int i = 0; i < 2; i++) {
    Napi::Value fd = options.Get(stdio_names[i]);
    if (fd.IsUndefined() || fd.IsNull()) continue;
    if (!fd.IsNumber()) return throw_type_error(env, usage);
    plan.stdio[i] = fd.As<Napi::Number>().Int32Value();
  }
  Napi::Value death = options.Get("deathSignal");
  plan.death_signal = death.IsNumber() ? death.As<Napi::Number>().Int32Value() : 0;
  Napi::Value cwd = options.Get("cwd");
  if (cwd.IsString()) plan.cwd = cwd.As<Napi::String>();
  else if (!cwd.IsUndefined()) return throw_type_error(env, usage);
  Napi::Value identity = options.Get("identity");
  if (identity.IsObject()) {
    Napi::Object id = identity.As<Napi::Object>();
    Napi::Value uid = id.Get("uid"), gid = id.Get("gid"), groups = id.Get("groups");
    if (!uid.IsNumber() || !gid.IsNumber() || !groups.IsArray()) return throw_type_error(env, usage);
    plan.set_identity = true;
    plan.uid = static_cast<uid_t>(uid.As<Napi::Number>().Uint32Value());
    plan.gid = static_cast<gid_t>(gid.As<Napi::Number>().Uint32Value());
    Napi::Array list = groups.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) {
      Napi::Value g = list.Get(i);
      if (!g.IsNumber()) return throw_type_error(env, usage);
      plan.groups.push_back(static_cast<gid_t>(g.As<Napi::Number>().Uint32Value()));
    }
  } else if (!identity.IsUndefined() && !identity.IsNull()) {
    return throw_type_error(env, usage);
  }
  plan.argv = pointers(plan.arg_strings);
  plan.envp = pointers(plan.env_strings);
  plan.parent = getpid();
  plan.max_fd = sysconf(_SC_OPEN_MAX);
  if (plan.max_fd < 1024) plan.max_fd = 1024;

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return throw_system_error(env, "pipe2", last_error());

  // Block every signal across fork so that no handler of this process runs in the child.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = fork();
  if (pid == 0) child(plan, pipe_fds[1]);
  int fork_error = pid < 0 ? last_error() : 0;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    return throw_system_error(env, "fork", fork_error);
  }

  // The pipe closes on a successful exec; a report means the child says why it could not.
  int report[2] = {0, 0};
  ssize_t got;
  do {
    got = read(pipe_fds[0], report, sizeof report);
  } while (got < 0 && errno == EINTR);
  close(pipe_fds[0]);
  if (got == static_cast<ssize_t>(sizeof report)) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int step = report[0] >= kStepFds && report[0] <= kStepExec ? report[0] : kStepExec;
    std::string what = step == kStepExec ? plan.file : step == kStepChdir ? plan.cwd : std::string();
    return throw_system_error(env, kStepNames[step], -report[1], what);
  }
  return Napi::Number::New(env, pid);
}

Napi::Value RedirectFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_type_error(env, "redirectFd(from, to)");
  int from = info[0].As<Napi::Number>().Int32Value();
  int to = info[1].As<Napi::Number>().Int32Value();
  int result;
  do {
    result = dup2(from, to);
  } while (result < 0 && errno == EINTR);
  if (result < 0) return throw_system_error(env, "dup2", last_error());
  return env.Undefined();
}

}  // namespace tusk
