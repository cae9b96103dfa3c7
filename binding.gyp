{
  "targets": [
    {
      "target_name": "switchboard_rtp",
      "sources": [
        "src/media/native/rtp-binding.c",
        "src/media/native/rtp-binding-io.c",
        "src/media/native/rtp-engine.c",
        "src/media/native/rx-stats.c"
      ],
      "cflags": [
        "-O2",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-std=gnu11",
        "-pthread"
      ],
      "ldflags": [
        "-pthread"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    },
    {
      "target_name": "switchboard_sipudp",
      "sources": [
        "src/sip/transport/native/sip-udp.c",
        "src/sip/transport/native/sip-udp-send.c"
      ],
      "cflags": [
        "-O2",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-std=gnu11"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    }
  ]
}
