// addon.cc — the only file that registers N-API functions: the seam between tusk's TypeScript
// (policy) and its system calls (mechanism). src/native.ts types exactly what is exported here.
#include <napi.h>

#include "accept_wrap.h"
#include "address_wrap.h"
#include "heartbeat.h"
#include "identity.h"
#include "http/bench.h"
#include "http/access_log_wrap.h"
#include "http/bridge.h"
#include "http/forwarded_wrap.h"
#include "listen.h"
#include "notify.h"
#include "reap.h"
#include "signal_pipe.h"
#include "spawn.h"
#include "stats.h"
#include "terminal.h"

namespace tusk {

Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  exports.Set("listenTcp", Napi::Function::New<ListenTcp>(env, "listenTcp"));
  exports.Set("listenUnix", Napi::Function::New<ListenUnix>(env, "listenUnix"));
  exports.Set("adoptListener", Napi::Function::New<AdoptListener>(env, "adoptListener"));
  exports.Set("closeFd", Napi::Function::New<CloseFd>(env, "closeFd"));
  exports.Set("spawn", Napi::Function::New<Spawn>(env, "spawn"));
  exports.Set("heartbeatCreate", Napi::Function::New<HeartbeatCreate>(env, "heartbeatCreate"));
  exports.Set("heartbeatNotify", Napi::Function::New<HeartbeatNotify>(env, "heartbeatNotify"));
  exports.Set("heartbeatCheck", Napi::Function::New<HeartbeatCheck>(env, "heartbeatCheck"));
  exports.Set("statsMap", Napi::Function::New<StatsMap>(env, "statsMap"));
  exports.Set("statsLayout", Napi::Function::New<StatsLayout>(env, "statsLayout"));
  exports.Set("lookupUser", Napi::Function::New<LookupUser>(env, "lookupUser"));
  exports.Set("lookupGroup", Napi::Function::New<LookupGroup>(env, "lookupGroup"));
  exports.Set("groupList", Napi::Function::New<GroupList>(env, "groupList"));
  exports.Set("chownFd", Napi::Function::New<ChownFd>(env, "chownFd"));
  exports.Set("signalPipe", Napi::Function::New<SignalPipe>(env, "signalPipe"));
  exports.Set("reap", Napi::Function::New<Reap>(env, "reap"));
  exports.Set("peekExited", Napi::Function::New<PeekExited>(env, "peekExited"));
  exports.Set("parentPid", Napi::Function::New<ParentPid>(env, "parentPid"));
  exports.Set("notify", Napi::Function::New<Notify>(env, "notify"));
  exports.Set("inForeground", Napi::Function::New<InForeground>(env, "inForeground"));
  exports.Set("Acceptor", AcceptorWrap::Define(env));
  exports.Set("Engine", http::EngineWrap::Define(env));
  exports.Set("AccessFormat", http::AccessFormatWrap::Define(env));
  exports.Set("redirectFd", Napi::Function::New<RedirectFd>(env, "redirectFd"));
  exports.Set("Forwarded", http::ForwardedWrap::Define(env));
  exports.Set("checkAddressList", Napi::Function::New<CheckAddressList>(env, "checkAddressList"));
  Napi::Object bench = Napi::Object::New(env);  // bench/micro.mjs only
  bench.Set("parse", Napi::Function::New<http::BenchParse>(env, "parse"));
  bench.Set("head", Napi::Function::New<http::BenchHead>(env, "head"));
  bench.Set("call", Napi::Function::New<http::BenchCall>(env, "call"));
  exports.Set("bench", bench);
  return exports;
}

}  // namespace tusk

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return tusk::InitAddon(env, exports); }

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
