#!/bin/sh
# The image's HEALTHCHECK: asks the running gateway a real DNS question over plain UDP with kdig and passes only on
# status NOERROR (so the listener is up, the policy let the question through and an upstream answered it).
#   DOTGATE_HEALTHCHECK       ADDRESS:PORT of a plain listener (default 127.0.0.1:53; [::1]:53 for IPv6)
#   DOTGATE_HEALTHCHECK_NAME  the question (default ". NS"); with an allowlist, ask a name on it ("example.com A")
set -u
target="${DOTGATE_HEALTHCHECK:-127.0.0.1:53}"
question="${DOTGATE_HEALTHCHECK_NAME:-. NS}"
port="${target##*:}"
address="${target%:*}"
address="${address#[}"
address="${address%]}"
case "$port" in
  ''|*[!0-9]*) echo "healthcheck: DOTGATE_HEALTHCHECK=$target is not ADDRESS:PORT" >&2; exit 1 ;;
esac
# shellcheck disable=SC2086 # the question is a name and a type
out="$(kdig @"$address" -p "$port" +notcp +timeout=2 +retry=1 $question 2>&1)"
case "$out" in
  *"status: NOERROR"*) exit 0 ;;
esac
echo "healthcheck: $question at $address:$port did not get NOERROR:" >&2
printf '%s\n' "$out" | head -n 5 >&2
exit 1
