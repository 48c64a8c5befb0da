#!/usr/bin/env bash
# Builds the local images from the recipes in images/<recipe>/, each only when its
# recipe changed: the SHA-256 of the recipe folder (and of the recipes it depends
# on) is stored in the image's label io.nxt.recipe-hash and compared with
# `docker image inspect`.
#
#   images/build.sh [--force] [RECIPE...]   build RECIPEs (default: all) + what they need
#   images/build.sh --list                  recipes, their images and whether up to date
#   images/build.sh --hash RECIPE           print a recipe's hash
#
# A recipe folder holds image.conf (bash: IMAGE=, DESCRIPTION=, DEPENDS=(),
# IMPORT_CHANGES=()) and either
#   rootfs.sh   run as `bash rootfs.sh DIR` to fill DIR, which is then
#               `tar | docker import`ed with IMPORT_CHANGES (Dockerfile instructions);
#   Dockerfile  built with `docker build` in the recipe folder (FROM an image of a
#               recipe listed in DEPENDS, built first).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

IMAGES_DIR="$NXT_ROOT/images"
# Bump when this script builds images differently, to rebuild them all.
BUILDER_VERSION=1
HASH_LABEL="io.nxt.recipe-hash"

FORCE=0
declare -A STATE=()
WORK_DIRS=()
trap 'for d in "${WORK_DIRS[@]}"; do cleanup_rootfs "$d"; done' EXIT

all_recipes() {
  local d
  for d in "$IMAGES_DIR"/*/; do
    [[ -f "$d/image.conf" ]] && basename "$d"
  done
}

# Loads RECIPE's image.conf into R_IMAGE, R_DESCRIPTION, R_DEPENDS, R_CHANGES.
load_recipe() {
  local recipe="$1" conf="$IMAGES_DIR/$1/image.conf"
  [[ -f "$conf" ]] || nxt_die "no recipe '$recipe' (expected $conf); recipes: $(all_recipes | xargs)"
  local IMAGE="" DESCRIPTION=""
  local -a DEPENDS=() IMPORT_CHANGES=()
  # shellcheck disable=SC1090
  source "$conf"
  [[ -n "$IMAGE" ]] || nxt_die "$conf: IMAGE is not set"
  R_IMAGE="$IMAGE"
  R_DESCRIPTION="$DESCRIPTION"
  R_DEPENDS=("${DEPENDS[@]}")
  R_CHANGES=("${IMPORT_CHANGES[@]}")
}

# SHA-256 over the recipe's files (relative path + content), its dependencies'
# hashes and BUILDER_VERSION.
recipe_hash() {
  local recipe="$1"
  load_recipe "$recipe"
  local -a deps=("${R_DEPENDS[@]}")
  {
    echo "builder $BUILDER_VERSION"
    (cd "$IMAGES_DIR/$recipe" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    local dep
    for dep in "${deps[@]}"; do
      echo "depends $dep $(recipe_hash "$dep")"
    done
  } | sha256sum | cut -d' ' -f1
}

# The hash label of IMAGE, or "" when there is no such image.
image_hash() {
  nxt_docker image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$1" 2>/dev/null ||
    true
}

image_id() { nxt_docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# Removes the image that IMAGE named before a rebuild, if nothing uses it any more.
remove_replaced() {
  local old_id="$1" image="$2" new_id
  new_id="$(image_id "$image")"
  if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
    nxt_docker image rm "$old_id" >/dev/null 2>&1 || true
  fi
}

build_rootfs_recipe() {
  local recipe="$1" hash="$2" dir="$IMAGES_DIR/$1" work
  work="$(mktemp -d /var/tmp/nxt-image-"$recipe".XXXXXX)"
  WORK_DIRS+=("$work")
  local rootfs="$work/rootfs"
  mkdir -p "$rootfs"
  bash "$dir/rootfs.sh" "$rootfs"
  local -a args=()
  local change
  for change in "${R_CHANGES[@]}"; do
    args+=(--change "$change")
  done
  args+=(--change "LABEL $HASH_LABEL=$hash io.nxt.recipe=$recipe")
  tar --sort=name --numeric-owner -C "$rootfs" -c . |
    nxt_docker import "${args[@]}" --message "nxt recipe $recipe" - "$R_IMAGE" >/dev/null
  cleanup_rootfs "$work"
}

# Unmounts what a recipe left mounted under WORK (debootstrap mounts /proc and /sys
# in the target) and removes WORK.
cleanup_rootfs() {
  local work="$1" m
  if [[ -d "$work" ]]; then
    while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done < <(findmnt -rn -o TARGET | grep -F "$work/" | sort -r)
    rm -rf --one-file-system "$work"
  fi
}

build_dockerfile_recipe() {
  local recipe="$1" hash="$2" log
  log="$(mktemp /var/tmp/nxt-image-"$recipe".XXXXXX.log)"
  if ! nxt_docker build --label "$HASH_LABEL=$hash" --label "io.nxt.recipe=$recipe" \
    -t "$R_IMAGE" "$IMAGES_DIR/$recipe" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    nxt_die "$R_IMAGE: docker build failed (full log: $log)"
  fi
  rm -f "$log"
}

# Builds RECIPE (after its dependencies) unless its image is up to date.
build_recipe() {
  local recipe="$1"
  [[ -n "${STATE[$recipe]:-}" ]] && return 0
  STATE[$recipe]=building
  load_recipe "$recipe"
  local dep
  for dep in "${R_DEPENDS[@]}"; do
    [[ "${STATE[$dep]:-}" == building ]] && nxt_die "dependency cycle through $recipe and $dep"
    build_recipe "$dep"
  done
  load_recipe "$recipe"

  local hash current old_id start
  hash="$(recipe_hash "$recipe")"
  current="$(image_hash "$R_IMAGE")"
  if [[ "$current" == "$hash" && "$FORCE" == 0 ]]; then
    nxt_log "$R_IMAGE: up to date (recipe $recipe, hash ${hash:0:12})"
    STATE[$recipe]=1
    return 0
  fi
  if [[ -z "$current" ]]; then
    nxt_log "$R_IMAGE: building (no such image)"
  elif [[ "$current" == "$hash" ]]; then
    nxt_log "$R_IMAGE: rebuilding (--force)"
  else
    nxt_log "$R_IMAGE: rebuilding (recipe changed: ${current:0:12} -> ${hash:0:12})"
  fi
  old_id="$(image_id "$R_IMAGE")"
  start="$(nxt_now)"
  if [[ -f "$IMAGES_DIR/$recipe/rootfs.sh" ]]; then
    build_rootfs_recipe "$recipe" "$hash"
  elif [[ -f "$IMAGES_DIR/$recipe/Dockerfile" ]]; then
    build_dockerfile_recipe "$recipe" "$hash"
  else
    nxt_die "recipe $recipe has neither rootfs.sh nor Dockerfile"
  fi
  [[ "$(image_hash "$R_IMAGE")" == "$hash" ]] || nxt_die "$R_IMAGE: built, but its $HASH_LABEL label is wrong"
  remove_replaced "$old_id" "$R_IMAGE"
  nxt_log "$R_IMAGE: built in $(nxt_elapsed "$start") s ($(nxt_docker image inspect --format '{{.Size}}' "$R_IMAGE" | awk '{ printf "%.1f MB", $1 / 1e6 }'))"
  STATE[$recipe]=1
}

list_recipes() {
  local recipe hash state
  printf '%-14s %-28s %-12s %s\n' RECIPE IMAGE STATE DESCRIPTION
  for recipe in $(all_recipes); do
    hash="$(recipe_hash "$recipe")"
    load_recipe "$recipe"
    case "$(image_hash "$R_IMAGE")" in
      "$hash") state=up-to-date ;;
      "") state=missing ;;
      *) state=stale ;;
    esac
    printf '%-14s %-28s %-12s %s\n' "$recipe" "$R_IMAGE" "$state" "$R_DESCRIPTION"
  done
}

main() {
  local -a recipes=()
  while (($#)); do
    case "$1" in
      --force) FORCE=1 ;;
      --list)
        list_recipes
        return 0
        ;;
      --hash)
        recipe_hash "${2:?--hash RECIPE}"
        return 0
        ;;
      -h | --help)
        sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
        return 0
        ;;
      all) mapfile -t -O "${#recipes[@]}" recipes < <(all_recipes) ;;
      -*) nxt_die "unknown option $1" ;;
      *) recipes+=("$1") ;;
    esac
    shift
  done
  if ((${#recipes[@]} == 0)); then
    mapfile -t recipes < <(all_recipes)
  fi
  nxt_docker_ping || nxt_die "no Docker engine on $(nxt_docker_socket): run scripts/start-docker.sh"

  # One build at a time on this machine (quick start, tests and humans may overlap).
  local lock_dir=/run/lock
  [[ -d "$lock_dir" && -w "$lock_dir" ]] || lock_dir=/tmp
  exec 9>"$lock_dir/nxt-images.lock"
  flock 9

  local start recipe
  start="$(nxt_now)"
  for recipe in "${recipes[@]}"; do
    build_recipe "$recipe"
  done
  nxt_log "images ready in $(nxt_elapsed "$start") s: ${recipes[*]}"
}

main "$@"
