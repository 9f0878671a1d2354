#!/usr/bin/env bash
# Installs a packed tarball into fresh projects the ways a user would, and in each imports the
# package, runs one op and `toolexpander devices`:
#   default          npm install: the prebuild fits, nothing is compiled
#   ignore-scripts   npm install --ignore-scripts: no install step at all, ops still load the prebuild
#   no-cmake         cmake off the PATH and a source build asked for: node-gyp builds the CPU engine
#   no-compiler      no prebuild for this machine (removed) and no compiler or cmake on the PATH:
#                    `npm rebuild` succeeds, /reward works, the op and `devices` give the one-line fix
# Usage: .ci/install-check.sh path/to/toolexpander-X.Y.Z.tgz    Exit status: the number of failed cases.
set -uo pipefail
tgz=$(readlink -f "$1")
work=$(mktemp -d)
failed=0
plat="$(node -p 'process.platform + "-" + process.arch')"

# A PATH of symlinks to everything on the current PATH except the named tools.
path_without() {
  local dir="$work/path-$1"; shift
  mkdir -p "$dir"
  local IFS=:
  for d in $PATH; do
    [ -d "$d" ] || continue
    for f in "$d"/*; do
      local n; n=$(basename "$f")
      local skip=0
      for deny in "$@"; do case "$n" in $deny) skip=1 ;; esac; done
      [ "$skip" -eq 0 ] && [ -x "$f" ] && [ ! -e "$dir/$n" ] && ln -s "$f" "$dir/$n"
    done
  done
  echo "$dir"
}

new_project() {
  local p="$work/$1"
  mkdir -p "$p" && (cd "$p" && npm init -y >/dev/null)
  echo "$p"
}

OP='const m = await import("toolexpander");
const r = await m.groupedAdvantages(new Float32Array([1, 0, 1, 1]), new Int32Array([0, 2, 4]));
console.log("op: groupedAdvantages ->", Array.from(r.advantages).map((x) => x.toFixed(3)).join(" "));'
REWARD='const r = await import("toolexpander/reward"); console.log("reward exports:", Object.keys(r).length);'

# check NAME DIR [PATH]: op and devices must work.
check_works() {
  local name=$1 dir=$2 path=${3:-$PATH}
  (cd "$dir" && PATH="$path" node --input-type=module -e "$OP" && PATH="$path" npx --no-install toolexpander devices) \
    || { echo "FAIL [$name]: op or devices failed"; failed=$((failed + 1)); return 1; }
}

listing=$(tar tzf "$tgz")
echo "-- the tarball: $(du -k "$tgz" | cut -f1) KiB, $(echo "$listing" | wc -l) files"
echo "$listing" | sed -E 's|^package/||' | awk -F/ '{ top = ($1 == "prebuilds" || $1 == "native") && NF > 2 ? $1 "/" $2 : $1; n[top]++ } END { for (k in n) printf "   %4d  %s\n", n[k], k }' | sort -k2
leftovers=$(echo "$listing" | grep -E '^package/(build/|build-|native/tests/|native/tools/|node_modules/|coverage/|\.tap/|runs/)|\.o$|\.tgz$' || true)
if [ -n "$leftovers" ]; then echo "FAIL [tarball]: build leftovers:"; echo "$leftovers" | head; failed=$((failed + 1)); fi
for f in "prebuilds/$plat/toolexpander.node" binding.gyp scripts/install.mjs LICENSE; do
  echo "$listing" | grep -qx "package/$f" || { echo "FAIL [tarball]: $f missing"; failed=$((failed + 1)); }
done

echo "-- [default] npm install $tgz"
p=$(new_project default)
start=$(date +%s%N)
(cd "$p" && npm install --prefer-offline --no-audit --no-fund --foreground-scripts "$tgz" >"$work/default.log" 2>&1) || { cat "$work/default.log"; echo "FAIL [default]: npm install"; failed=$((failed + 1)); }
echo "install took $(( ($(date +%s%N) - start) / 1000000 )) ms"
grep -E "^toolexpander:" "$work/default.log"
if grep -qE "using the prebuilt binary prebuilds/$plat" "$work/default.log" && ! grep -qE "Building CXX|CXX\(target\)|cmake-js" "$work/default.log"; then
  echo "prebuild used, nothing compiled"
else
  echo "FAIL [default]: the prebuild was not used (or something compiled)"; failed=$((failed + 1))
fi
check_works default "$p"

echo "-- [ignore-scripts] npm install --ignore-scripts"
p=$(new_project ignore-scripts)
(cd "$p" && npm install --prefer-offline --no-audit --no-fund --ignore-scripts "$tgz" >/dev/null 2>&1) || { echo "FAIL [ignore-scripts]: npm install"; failed=$((failed + 1)); }
[ -e "$p/node_modules/toolexpander/build" ] && { echo "FAIL [ignore-scripts]: a build folder exists"; failed=$((failed + 1)); }
check_works ignore-scripts "$p"

echo "-- [no-cmake] cmake off the PATH, TOOLEXPANDER_BUILD_FROM_SOURCE=1: node-gyp"
p=$(new_project no-cmake)
nocmake=$(path_without nocmake cmake 'cmake-*' ccmake)
start=$(date +%s)
(cd "$p" && PATH="$nocmake" TOOLEXPANDER_BUILD_FROM_SOURCE=1 npm install --prefer-offline --no-audit --no-fund --foreground-scripts "$tgz" >"$work/no-cmake.log" 2>&1) \
  || { tail -20 "$work/no-cmake.log"; echo "FAIL [no-cmake]: npm install"; failed=$((failed + 1)); }
echo "install (node-gyp build) took $(( $(date +%s) - start )) s"
grep -E "^toolexpander:" "$work/no-cmake.log"
if grep -q "building the CPU engine with node-gyp" "$work/no-cmake.log" && [ -f "$p/node_modules/toolexpander/build/Release/toolexpander.node" ]; then
  echo "node-gyp built build/Release/toolexpander.node"
else
  echo "FAIL [no-cmake]: no node-gyp build"; failed=$((failed + 1))
fi
check_works no-cmake "$p" "$nocmake"

echo "-- [no-compiler] no prebuild for this machine, no compiler, no cmake: npm rebuild still succeeds"
p=$(new_project no-compiler)
nocc=$(path_without nocc cmake 'cmake-*' ccmake c++ g++ gcc cc clang 'clang++' 'clang-*' '*-g++' '*-gcc' '*-g++-*' '*-gcc-*' 'g++-*' 'gcc-*' 'c++-*' nvcc)
(cd "$p" && npm install --prefer-offline --no-audit --no-fund --ignore-scripts "$tgz" >/dev/null 2>&1 && rm -rf node_modules/toolexpander/prebuilds \
  && PATH="$nocc" npm rebuild --foreground-scripts toolexpander >"$work/no-compiler.log" 2>&1) \
  || { cat "$work/no-compiler.log"; echo "FAIL [no-compiler]: npm rebuild failed"; failed=$((failed + 1)); }
grep -E "^toolexpander:" "$work/no-compiler.log"
(cd "$p" && PATH="$nocc" node --input-type=module -e "$REWARD") || { echo "FAIL [no-compiler]: toolexpander/reward"; failed=$((failed + 1)); }
out=$(cd "$p" && PATH="$nocc" node --input-type=module -e "$OP" 2>&1); status=$?
echo "$out"
if [ "$status" -ne 0 ] && [ "$(echo "$out" | grep -c 'npm rebuild toolexpander')" -ge 1 ]; then echo "op: the fix is named"; else echo "FAIL [no-compiler]: op"; failed=$((failed + 1)); fi
out=$(cd "$p" && PATH="$nocc" npx --no-install toolexpander devices 2>&1); status=$?
echo "$out"
if [ "$status" -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q 'npm rebuild toolexpander'; then echo "devices: one line, exit 1"; else echo "FAIL [no-compiler]: devices"; failed=$((failed + 1)); fi

rm -rf "$work"
echo "install checks: $failed failed"
exit "$failed"
