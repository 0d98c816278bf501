#!/usr/bin/env bash
# Build the CPU image with podman and run crop, quantify and summarise of -profile test inside
# it through Nextflow's podman support (pose on the host). No registry is needed: the
# Dockerfile's FROM image is made here from Debian packages with mmdebstrap and imported
# under that exact name. For Debian bookworm run as root; docs/nextflow.md#containers.
#
#   make nextflow-runtime && scripts/containers/check.sh     # or: make container-check
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/containers
out=build/container-check
export CONTAINERS_CONF=$PWD/$here/containers.conf

command -v podman >/dev/null && command -v mmdebstrap >/dev/null && [ -x /usr/sbin/runc ] \
    || (apt-get update && apt-get install -y --no-install-recommends podman runc mmdebstrap \
        fuse-overlayfs)

# The stand-in for python:3.11-slim-bookworm: Debian's Python 3.11 with pip as `python`, and
# this machine's extra CA certificates, without which pip cannot reach PyPI through its proxy.
base=$(sed -n 's/^FROM //p' docker/Dockerfile)
if ! podman image exists "$base"; then
    mkdir -p "$out"
    mmdebstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
        --customize-hook='rm -f "$1"/usr/lib/python3.11/EXTERNALLY-MANAGED' \
        --customize-hook='ln -sf /usr/bin/python3 "$1"/usr/local/bin/python' \
        --customize-hook='ln -sf /usr/bin/pip3 "$1"/usr/local/bin/pip' \
        --customize-hook='cp /usr/local/share/ca-certificates/*.crt "$1"/usr/local/share/ca-certificates/ 2>/dev/null; chroot "$1" update-ca-certificates' \
        bookworm "$out/base.tar"
    podman import --change 'CMD ["python3"]' "$out/base.tar" "$base"
    rm "$out/base.tar"
fi

image=$(sed -n "s/^ *cpu_container *= *'\(.*\)'.*/\1/p" nextflow.config)
time podman build -t "$image" -f docker/Dockerfile .
podman image ls "$image"

# Pose runs on the host with the project's environment.
[ -d .venv/bin ] && export PATH=$PWD/.venv/bin:$PATH
rm -rf "$out/run" && mkdir -p "$out/run"
(cd "$out/run" && ../../../scripts/nextflow/nextflow run ../../../main.nf -profile test,podman \
    -c "../../../$here/pose_on_host.config" --outdir results --validate_params false -ansi-log false)

# Every crop, quantify and summarise task ran in the image; pose did not.
status=0
for run in "$out"/run/work/*/*/.command.run; do
    name=$(sed -n "s/^### name: '\(.*\)'$/\1/p" "$run")
    if grep -q "podman run .*$image" "$run"; then where=image; else where=host; fi
    echo "$where: $name"
    case "$name" in
        *POSE_DLC*) [ "$where" = host ] || status=1 ;;
        *) [ "$where" = image ] || status=1 ;;
    esac
done
test -s "$out/run/results/summarise/experiment_summary.csv" || status=1
[ "$status" = 0 ] && echo "container check: passed" || echo "container check: FAILED"
exit "$status"
