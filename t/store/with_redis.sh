#!/bin/bash
# with_redis.sh CMD [ARG...] - run CMD with MXGATE_TEST_STORE naming a
# private redis-server (t/lib/redis.sh) that is stopped afterwards: how the
# store's backend-neutral tests run on Redis. Exits with CMD's status.
T=${T:-$(cd "$(dirname "$0")/.." && pwd)}
export T
. "$T/lib/common.sh"
. "$T/lib/redis.sh"

redis_start
export MXGATE_TEST_STORE=$REDIS_SPEC
"$@"
rc=$?
exit $rc
