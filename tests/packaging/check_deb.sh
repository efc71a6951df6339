#!/usr/bin/env bash
# Packaging check (ctest label `packaging`): runs cpack -G DEB and -G TGZ on the built tree into
# a private temporary folder (safe beside other tests under ctest -j; nothing is rebuilt, no root
# is needed) and checks
#   - the .deb's file list: both executables, desktop entry, icon, AppStream metainfo, man page,
#     plugin folder; no tests, benchmarks, static libraries or headers;
#   - its metadata: Package, Version, Architecture, Section, and a Depends line computed by
#     dpkg-shlibdeps that names the Qt, oneTBB, ... runtime packages;
#   - the .tar.gz holds the same binaries;
#   - the extracted binaries carry no RPATH/RUNPATH and run from the extracted root:
#     quantscope-cli --version and info on the sample model (and quantscope --version).
# Prints every check; exits 1 on the first mismatch.
#
#   check_deb.sh --build-dir DIR --cpack CPACK --version X.Y.Z --shared SHARED_DIR [--gui ON|OFF]
set -euo pipefail

build= cpack=cpack version= shared= gui=ON
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift 2 ;;
    --cpack) cpack="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --shared) shared="$2"; shift 2 ;;
    --gui) gui="$2"; shift 2 ;;
    *) echo "check_deb: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$build" ] && [ -n "$version" ] && [ -n "$shared" ] || { echo "check_deb: missing arguments" >&2; exit 2; }
case "$gui" in ON|on|1|TRUE|true) gui=1 ;; *) gui=0 ;; esac

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "  ok  $*"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/qs-packaging.XXXXXX")"
trap 'rm -rf "$work"' EXIT
start=$SECONDS

# Needed by CPack's DEB generator for CPACK_DEBIAN_PACKAGE_SHLIBDEPS (installer/install_deps.sh).
for tool in dpkg-deb dpkg-shlibdeps file readelf; do
  command -v "$tool" >/dev/null || fail "$tool not found (install dpkg-dev, file, binutils)"
done

# --- build the packages ---------------------------------------------------------------------
# -B: CPack's staging folder (_CPack_Packages) and the packages go to the private folder.
echo "cpack -G DEB;TGZ in $build -> $work/out"
if ! "$cpack" --config "$build/CPackConfig.cmake" -G "DEB;TGZ" -B "$work/out" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log" >&2
  fail "cpack failed"
fi
arch="$(dpkg --print-architecture)"
deb="$work/out/quantscope_${version}_${arch}.deb"
[ -f "$deb" ] || { ls -l "$work/out" >&2; fail "no $(basename "$deb") (CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)"; }
ok "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
tgz="$(ls "$work"/out/quantscope-"$version"-*.tar.gz 2>/dev/null | head -1)"
[ -n "$tgz" ] || { ls -l "$work/out" >&2; fail "no quantscope-$version-*.tar.gz"; }
ok "built $(basename "$tgz") ($(du -k "$tgz" | cut -f1) KiB)"

# --- file list ---------------------------------------------------------------------------------
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$work/files"
echo "file list of the .deb:"
sed 's/^/    /' "$work/files"
expect=(/usr/bin/quantscope-cli /usr/share/man/man1/quantscope-cli.1.gz)
if [ "$gui" = 1 ]; then
  expect+=(/usr/bin/quantscope
           /usr/share/applications/quantscope.desktop
           /usr/share/icons/hicolor/scalable/apps/quantscope.svg
           /usr/share/metainfo/org.quantscope.QuantScope.metainfo.xml)
fi
for f in "${expect[@]}"; do
  grep -qx "$f" "$work/files" || fail "$f missing from the .deb"
  ok "has $f"
done
plugins="$(grep -E '^/usr/lib/([^/]+/)?quantscope/plugins/$' "$work/files" | head -1 || true)"
[ -n "$plugins" ] || fail "plugin folder .../quantscope/plugins/ missing from the .deb"
ok "has plugin folder $plugins"
if grep -E '/(tst_|bench_)[^/]*$|\.a$|/include/|/usr/local/' "$work/files"; then
  fail "tests, benchmarks, static libraries, headers or /usr/local paths in the .deb (above)"
fi
ok "no tests, benchmarks, static libraries, headers"

# --- metadata ---------------------------------------------------------------------------------
dpkg-deb -f "$deb" >"$work/control"
echo "control:"
sed 's/^/    /' "$work/control"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = quantscope ] || fail "Package is '$(field Package)', expected quantscope"
ok "Package: quantscope"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', expected $version"
ok "Version: $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is '$(field Architecture)', expected $arch"
ok "Architecture: $arch"
[ "$(field Section)" = science ] || fail "Section is '$(field Section)', expected science"
ok "Section: science"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Description)" ] || fail "no Description"
depends="$(field Depends)"
echo "Depends: $depends"
need=(libc6 libstdc++6 libtbb12 libhwy1 libsentencepiece0 libpcre2-8-0 libhdf5-103-1)
[ "$gui" = 1 ] && need+=(libqt6core6 libqt6gui6 libqt6widgets6 libqt6charts6 libqt6svg6 qt6-qpa-plugins)
for p in "${need[@]}"; do
  # the package name of one entry or alternative, without its version constraint
  echo "$depends" | tr ',|' '\n\n' | sed 's/^ *//; s/[ :(].*//' | grep -qxF "$p" ||
    fail "Depends lacks $p (dpkg-shlibdeps did not run or a library was missed)"
done
ok "Depends names ${need[*]}"
echo "$depends" | grep -q '(>=' || fail "Depends has no version constraints: not from dpkg-shlibdeps"
ok "Depends carries shlibdeps version constraints"

# --- the .tar.gz -------------------------------------------------------------------------------
tar -tzf "$tgz" >"$work/tgz-files"
grep -Eq '^[^/]+/bin/quantscope-cli$' "$work/tgz-files" || fail "bin/quantscope-cli missing from the .tar.gz"
[ "$gui" = 0 ] || grep -Eq '^[^/]+/bin/quantscope$' "$work/tgz-files" || fail "bin/quantscope missing from the .tar.gz"
ok ".tar.gz has bin/quantscope-cli$([ "$gui" = 1 ] && echo ' and bin/quantscope')"

# --- extract and run ---------------------------------------------------------------------------
root="$work/root"
dpkg -x "$deb" "$root"
bins=("$root/usr/bin/quantscope-cli")
[ "$gui" = 1 ] && bins+=("$root/usr/bin/quantscope")
for b in "${bins[@]}"; do
  rp="$(readelf -d "$b" | grep -E '\((RPATH|RUNPATH)\)' || true)"
  [ -z "$rp" ] || fail "$(basename "$b") carries $rp"
  ok "$(basename "$b"): no RPATH/RUNPATH"
  if grep -aqF "$build" "$b"; then fail "$(basename "$b") contains the build path $build"; fi
  ok "$(basename "$b"): no build-tree path inside"
done

cd "$work"   # away from the build tree
out="$("$root/usr/bin/quantscope-cli" --version)" || fail "quantscope-cli --version exited $?"
echo "  \$ quantscope-cli --version"
echo "    $out"
case "$out" in "quantscope-cli $version "*) ok "version $version" ;; *) fail "unexpected --version output" ;; esac

model="$shared/models/stories260K/model.bin"
if [ -f "$model" ]; then
  out="$("$root/usr/bin/quantscope-cli" info "$model")" || fail "quantscope-cli info exited $?"
  echo "  \$ quantscope-cli info $model | head -7"
  echo "$out" | head -7 | sed 's/^/    /'
  echo "$out" | grep -q '^architecture llama' || fail "info: no 'architecture llama'"
  echo "$out" | grep -q '^parameters   260,032' || fail "info: parameters are not 260,032"
  echo "$out" | grep -q '^tokenizer    llama2c, 512 tokens' || fail "info: tokenizer not found beside the model"
  ok "info on stories260K: llama, 260,032 parameters, tokenizer of 512"
elif [ "${CI:-}" = true ]; then
  fail "$model not found (CI=true)"
else
  echo "  skip quantscope-cli info: $model not found"
fi

if [ "$gui" = 1 ]; then
  out="$(QT_QPA_PLATFORM=offscreen "$root/usr/bin/quantscope" --version 2>/dev/null)" ||
    fail "quantscope --version exited $?"
  echo "  \$ QT_QPA_PLATFORM=offscreen quantscope --version"
  echo "    $out"
  case "$out" in *"$version"*) ok "GUI version $version" ;; *) fail "unexpected GUI --version output" ;; esac
fi

man_gz="$root/usr/share/man/man1/quantscope-cli.1.gz"
gzip -t "$man_gz" || fail "man page is not valid gzip"
zcat "$man_gz" | head -5 | grep -q '^\.TH QUANTSCOPE-CLI 1' || fail "man page has no .TH QUANTSCOPE-CLI 1"
ok "man page: gzip, .TH QUANTSCOPE-CLI 1"

if [ "$gui" = 1 ]; then
  grep -qx 'Categories=Science;Education;Development;' "$root/usr/share/applications/quantscope.desktop" ||
    fail "desktop entry Categories"
  grep -qx 'Icon=quantscope' "$root/usr/share/applications/quantscope.desktop" || fail "desktop entry Icon"
  ok "desktop entry: Categories, Icon=quantscope"
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$root/usr/share/applications/quantscope.desktop" || fail "desktop-file-validate"
    ok "desktop-file-validate"
  fi
  if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "$root/usr/share/metainfo/org.quantscope.QuantScope.metainfo.xml" \
      >"$work/appstream.log" 2>&1 || { cat "$work/appstream.log" >&2; fail "appstreamcli validate"; }
    ok "appstreamcli validate"
  else
    echo "  skip appstreamcli validate (package appstream not installed)"
  fi
fi

echo "packaging: all checks passed in $((SECONDS - start)) s"
