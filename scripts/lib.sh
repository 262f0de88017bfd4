# shellcheck shell=bash
# Shared helpers for the scripts in this directory. Source it; do not run it.

# Absolute path of the repository root (the parent of this scripts/ directory).
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

# Cargo's target directory (honours CARGO_TARGET_DIR).
TARGET_DIR="${CARGO_TARGET_DIR:-${REPO_ROOT}/target}"
case "${TARGET_DIR}" in
  /*) ;;
  *) TARGET_DIR="${REPO_ROOT}/${TARGET_DIR}" ;;
esac
export TARGET_DIR

# Prints a visible section header.
section() {
  printf '\n==> %s\n' "$*"
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Runs "$@" as root: directly when already root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Installs Debian packages with apt-get.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# tf-provider compiles Terraform's protobuf definitions at build time: protoc must exist.
ensure_protoc() {
  if [ -n "${PROTOC:-}" ] && [ -x "${PROTOC}" ]; then
    return 0
  fi
  if ! command -v protoc >/dev/null 2>&1; then
    section "protoc is missing: installing protobuf-compiler"
    apt_install protobuf-compiler
  fi
  command -v protoc >/dev/null 2>&1 || die "protoc is still missing after installing protobuf-compiler"
}

ensure_terraform() {
  if ! command -v terraform >/dev/null 2>&1; then
    die "Terraform >= 1.5 must be on PATH: https://developer.hashicorp.com/terraform/install"
  fi
}

ensure_cargo() {
  command -v cargo >/dev/null 2>&1 || die "cargo must be on PATH: https://rustup.rs"
}

# dev_cli_config DIR [BIN_DIR]
# Writes DIR/terraformrc, a Terraform CLI configuration whose dev_overrides point
# the provider source at BIN_DIR (default: the debug target directory), and prints
# the path of the file.
dev_cli_config() {
  local dir="${1:?usage: dev_cli_config DIR [BIN_DIR]}"
  local target="${2:-${TARGET_DIR}/debug}"
  mkdir -p "${dir}"
  target="$(cd "${target}" && pwd)"
  local file="${dir}/terraformrc"
  cat >"${file}" <<HCL
provider_installation {
  dev_overrides {
    "registry.terraform.io/cisco-cer/cer" = "${target}"
  }
  direct {}
}
HCL
  printf '%s\n' "${file}"
}

# Prints the [package] version of Cargo.toml.
crate_version() {
  awk '
    /^\[/ { in_package = ($0 == "[package]") }
    in_package && /^version[[:space:]]*=/ {
      line = $0
      sub(/^version[[:space:]]*=[[:space:]]*"/, "", line)
      sub(/".*$/, "", line)
      print line
      exit
    }
  ' "${REPO_ROOT}/Cargo.toml"
}
