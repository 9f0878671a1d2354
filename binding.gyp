# node-gyp build of the CPU engine and the addon: the fallback where CMake is missing
# (scripts/install.mjs chooses). CMakeLists.txt stays the primary build; everything here that
# can drift (the sources, the kernel sources, the ISA sets' and the baseline's flags) is derived
# from it by scripts/gyp-sources.mjs, and test/install/binding-gyp-sync.test.ts checks that both
# compile the same files with the same flags and definitions. No CUDA here.
# The kernel sources are compiled once per ISA set (CMake's tx_kernels_<set>), each into a
# static library with -DTX_ISA_NS=<set>; tx_core compiles the rest of the engine for the portable
# baseline, and the addon target its bindings with no ISA flag (as CMake's toolexpander target).
{
  "target_defaults": {
    "include_dirs": ["native/include", "native", "bindings", "<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NDEBUG", "NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "<!@(node scripts/gyp-sources.mjs openmp-cflags)"],
    "conditions": [
      ["OS=='mac'", {
        "xcode_settings": {
          "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
          "GCC_ENABLE_CPP_RTTI": "YES",
          "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
          "MACOSX_DEPLOYMENT_TARGET": "11.0",
          "OTHER_CPLUSPLUSFLAGS": ["-O3"]
        }
      }],
      ["OS=='win'", {
        "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/O2"] } }
      }]
    ]
  },
  "targets": [
    {
      "target_name": "toolexpander",
      "sources": ["<!@(node scripts/gyp-sources.mjs addon-sources)"],
      "ldflags": ["<!@(node scripts/gyp-sources.mjs openmp-cflags)"],
      "dependencies": ["tx_core"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl", "-lpthread"] }],
        ["target_arch=='x64'", { "dependencies": ["tx_kernels_scalar", "tx_kernels_avx2", "tx_kernels_avx512"] }],
        ["target_arch=='arm64'", { "dependencies": ["tx_kernels_scalar", "tx_kernels_neon"] }]
      ]
    },
    {
      "target_name": "tx_core",
      "type": "static_library",
      "sources": ["<!@(node scripts/gyp-sources.mjs core-sources)"],
      "cflags_cc": ["<!@(node scripts/gyp-sources.mjs baseline-cflags <(target_arch))"]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "tx_kernels_scalar",
          "type": "static_library",
          "sources": ["<!@(node scripts/gyp-sources.mjs kernel-sources)"],
          "defines": ["TX_ISA_NS=scalar", "TX_ISA_IS_scalar=1"],
          "cflags_cc": ["<!@(node scripts/gyp-sources.mjs isa-cflags x64 scalar)"]
        },
        {
          "target_name": "tx_kernels_avx2",
          "type": "static_library",
          "sources": ["<!@(node scripts/gyp-sources.mjs kernel-sources)"],
          "defines": ["TX_ISA_NS=avx2", "TX_ISA_IS_avx2=1"],
          "cflags_cc": ["<!@(node scripts/gyp-sources.mjs isa-cflags x64 avx2)"]
        },
        {
          "target_name": "tx_kernels_avx512",
          "type": "static_library",
          "sources": ["<!@(node scripts/gyp-sources.mjs kernel-sources)"],
          "defines": ["TX_ISA_NS=avx512", "TX_ISA_IS_avx512=1"],
          "cflags_cc": ["<!@(node scripts/gyp-sources.mjs isa-cflags x64 avx512)"]
        }
      ]
    }],
    ["target_arch=='arm64'", {
      "targets": [
        {
          "target_name": "tx_kernels_scalar",
          "type": "static_library",
          "sources": ["<!@(node scripts/gyp-sources.mjs kernel-sources)"],
          "defines": ["TX_ISA_NS=scalar", "TX_ISA_IS_scalar=1"],
          "cflags_cc": ["<!@(node scripts/gyp-sources.mjs isa-cflags arm64 scalar)"]
        },
        {
          "target_name": "tx_kernels_neon",
          "type": "static_library",
          "sources": ["<!@(node scripts/gyp-sources.mjs kernel-sources)"],
          "defines": ["TX_ISA_NS=neon", "TX_ISA_IS_neon=1"],
          "cflags_cc": ["<!@(node scripts/gyp-sources.mjs isa-cflags arm64 neon)"]
        }
      ]
    }]
  ]
}
