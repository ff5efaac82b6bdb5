#!/usr/bin/env bash
# Builds Fuzz/.build/normlab-fuzz: normlab's parser modules and the targets in Fuzz/Targets, compiled
# with libFuzzer and the address sanitizer (swiftc -sanitize=fuzzer,address). It compiles the sources
# straight from Sources/ with swiftc, outside SwiftPM, so the normal `swift build` never sees it.
# Rebuilds only when a source file is newer than the binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/Fuzz/.build"
bin="$out/normlab-fuzz"
mkdir -p "$out/modules"

# The library modules the targets reach, in dependency order: module name, then its sources.
# LabelStore is only its file readers here (the rest needs GRDB, which is not fuzzed).
swift_modules=(
  "InputLimits:Sources/InputLimits/*.swift"
  "Domain:Sources/Domain/*.swift"
  "MappedFile:Sources/MappedFile/*.swift"
  "NPYFormat:Sources/NPYFormat/*.swift"
  "SafeTensors:Sources/SafeTensors/*.swift"
  "FeatureStore:Sources/FeatureStore/*.swift"
  "ImageIO:Sources/ImageIO/*.swift"
  "Inference:Sources/Inference/*.swift Sources/Inference/*/*.swift"
  "LabelStore:Sources/LabelStore/LabelFiles.swift Sources/LabelStore/Models.swift Sources/LabelStore/LabelStoreError.swift"
  "Charts:Sources/Charts/*.swift"
  "Detector:Sources/Detector/*.swift"
  "APIRequests:Sources/APIRequests/*.swift"
)

cd "$root"
sources=$(ls Sources/*/*.swift Sources/*/*/*.swift Sources/*/*.c Sources/*/include/*.h Fuzz/Targets/*.swift Fuzz/build.sh)
if [ -x "$bin" ] && [ -z "$(find $sources -newer "$bin" | head -1)" ]; then exit 0; fi
echo "fuzz build: compiling into $out" >&2

# C modules: compiled with coverage instrumentation, exposed to Swift through generated module maps.
sanitize_c="-fsanitize=fuzzer-no-link,address -O2 -g"
for c in CKernels CJPEG; do
  mkdir -p "$out/modules/$c"
  objs=()
  for f in Sources/$c/*.c; do
    clang $sanitize_c -I Sources/$c/include -c "$f" -o "$out/modules/$c/$(basename "$f" .c).o"
    objs+=("$out/modules/$c/$(basename "$f" .c).o")
  done
  ar rcs "$out/lib$c.a" "${objs[@]}"
  printf 'module %s {\n  umbrella "%s"\n  export *\n}\n' "$c" "$root/Sources/$c/include" > "$out/modules/$c/module.modulemap"
done

swiftc_flags=(-swift-version 6 -O -g -sanitize=fuzzer,address -parse-as-library
  -module-cache-path "$out/module-cache" -I "$out" -I Sources/CBLAS -I Sources/CPNG
  -Xcc -fmodule-map-file="$out/modules/CKernels/module.modulemap"
  -Xcc -fmodule-map-file="$out/modules/CJPEG/module.modulemap")
libs=()
for entry in "${swift_modules[@]}"; do
  name=${entry%%:*}
  # shellcheck disable=SC2086
  swiftc "${swiftc_flags[@]}" -module-name "$name" -emit-module -emit-module-path "$out/$name.swiftmodule" \
    -emit-library -static -o "$out/lib$name.a" ${entry#*:}
  libs+=("$out/lib$name.a")
done

# Static archives link users before what they use: reverse the dependency order.
reversed=(); for ((i=${#libs[@]}-1; i>=0; i--)); do reversed+=("${libs[i]}"); done
swiftc "${swiftc_flags[@]}" -module-name NormlabFuzz Fuzz/Targets/*.swift "${reversed[@]}" \
  "$out/libCKernels.a" "$out/libCJPEG.a" -lopenblas -lpng16 -ljpeg -lswiftSynchronization -o "$bin.tmp" 2> >(grep -v "Cannot export local symbol" >&2)
mv "$bin.tmp" "$bin"
echo "fuzz build: $bin" >&2
