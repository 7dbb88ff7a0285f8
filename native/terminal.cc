// terminal.cc — whether this process is in the foreground of a terminal. A terminal sends SIGWINCH
// to its foreground process group whenever it is resized, so the master honours WINCH (stop the
// workers) only when it is not there: under a service manager, in a container, or in the background.
#include "terminal.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace tusk {

Napi::Value InForeground(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Napi::Boolean::New(env, false);  // no controlling terminal (ENXIO)
  pid_t foreground = tcgetpgrp(fd);
  close(fd);
  return Napi::Boolean::New(env, foreground > 0 && foreground == getpgrp());
}

}  // namespace tusk
