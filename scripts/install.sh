#!/usr/bin/env bash
# Installs ferrozmq as a drop-in libzmq under a prefix, laid out as bindings that take a
# libzmq prefix expect:
#   PREFIX/include/{zmq.h,zmq_utils.h}
#   PREFIX/lib/libferrozmq.so, libzmq.so.5 -> libferrozmq.so, libzmq.so -> libzmq.so.5
#   PREFIX/lib/pkgconfig/{libzmq.pc,ferrozmq.pc}
#
# Usage: scripts/install.sh [PREFIX]      (default: $PREFIX, else /usr/local)
# Builds the release library first, unless FERROZMQ_LIB names an already built one.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-${PREFIX:-/usr/local}}

if [ -n "${FERROZMQ_LIB:-}" ]; then
    lib=$FERROZMQ_LIB
else
    (cd "$root" && cargo build --release --lib)
    lib=$root/target/release/libferrozmq.so
fi

install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 644 "$root/include/zmq.h" "$root/include/zmq_utils.h" "$prefix/include/"
install -m 755 "$lib" "$prefix/lib/libferrozmq.so"
ln -sf libferrozmq.so "$prefix/lib/libzmq.so.5"
ln -sf libzmq.so.5 "$prefix/lib/libzmq.so"

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)

# libzmq.pc answers for libzmq 4.3.4's API, so build systems looking for libzmq find us.
pc() {
    local name=$1 desc=$2 ver=$3 libname=$4
    cat > "$prefix/lib/pkgconfig/$name.pc" <<PC
prefix=$prefix
exec_prefix=\${prefix}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $name
Description: $desc
Version: $ver
Libs: -L\${libdir} -l$libname
Libs.private: -lpthread -ldl -lm
Cflags: -I\${includedir}
PC
}
pc libzmq "ZeroMQ 4.3 API, provided by ferrozmq $version" 4.3.4 zmq
pc ferrozmq "ferrozmq $version: libzmq-compatible messaging in pure Rust" "$version" ferrozmq

echo "installed ferrozmq $version under $prefix"
