{
  "targets": [
    {
      "target_name": "tusk",
      "sources": [
        "native/addon.cc",
        "native/listen.cc",
        "native/spawn.cc",
        "native/heartbeat.cc",
        "native/stats.cc",
        "native/identity.cc",
        "native/reap.cc",
        "native/notify.cc",
        "native/terminal.cc",
        "native/signal_pipe.cc",
        "native/accept.cc",
        "native/accept_wrap.cc",
        "native/address.cc",
        "native/address_wrap.cc",
        "native/proxy_gate.cc",
        "native/http/parser.cc",
        "native/http/chunked.cc",
        "native/http/response.cc",
        "native/http/server.cc",
        "native/http/application.cc",
        "native/http/access_log.cc",
        "native/http/access_log_wrap.cc",
        "native/http/bridge.cc",
        "native/http/forwarded.cc",
        "native/http/forwarded_wrap.cc",
        "native/http/proxy_header.cc",
        "native/http/bench.cc",
        "native/tls/context.cc",
        "native/tls/session.cc"
      ],
      "include_dirs": ["native"],
      "defines": ["NAPI_VERSION=<!(node -p \"require('./package.json').binary.napi_versions[0]\")", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-O0"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wshadow", "-Wno-unused-parameter"],
      "cflags_cc": ["-isystem", "<!(node -p \"require('path').resolve(require('node-addon-api').include_dir)\")", "-std=c++17", "-O2", "-fno-exceptions", "-Wall", "-Wextra", "-Wshadow", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]
    }
  ]
}
