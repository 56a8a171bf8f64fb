#!/bin/sh
# Accepts MinIO's `server DIR [--address :9000] [--console-address :9001]`.
set -e
if [ "$1" = "server" ]; then
    shift
    api=":9000"; console=":9001"; data=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --address) api="$2"; shift 2 ;;
            --address=*) api="${1#*=}"; shift ;;
            --console-address) console="$2"; shift 2 ;;
            --console-address=*) console="${1#*=}"; shift ;;
            -*) shift ;;  # flags moto has no use for
            *) [ -n "$data" ] || data="$1"; shift ;;  # the (first) data directory
        esac
    done
    exec python3 /usr/local/lib/esper-s3/s3server.py --api "$api" --console "$console" --data "${data:-/data}"
fi
exec "$@"
