# node-gyp build of the CPU engine and the addon: the fallback where CMake is missing
# (scripts/install.mjs chooses). CMakeLists.txt stays the primary build; the source list is
# derived from it by scripts/gyp-sources.mjs and test/install/binding-gyp-sync.test.ts checks
# that both compile the same files with the same definitions. No CUDA here.
{
  "targets": [
    {
      "target_name": "toolexpander",
      "sources": ["<!@(node scripts/gyp-sources.mjs sources)"],
      "include_dirs": ["native/include", "native", "bindings", "<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NDEBUG", "NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "<!@(node scripts/gyp-sources.mjs simd-cflags)", "<!@(node scripts/gyp-sources.mjs openmp-cflags)"],
      "ldflags": ["<!@(node scripts/gyp-sources.mjs openmp-cflags)"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl", "-lpthread"] }],
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
    }
  ]
}
