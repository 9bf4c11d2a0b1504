#!/usr/bin/env bash
# Interop: tenet-agent (TUN mode) against stock wireguard-go, every case both
# ways (tenet as A with wireguard-go as B, then the reverse). See
# tests/net/tun_cases.sh for the topology and the cases.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../net/lib.sh"
. "$here/../net/tun_cases.sh"

tun_all_cases tenet wggo
tun_all_cases wggo tenet
finish
