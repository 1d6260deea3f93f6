#!/bin/bash
# test_brkvmtest.sh [--tap] - the unit tests of python/brkvmtest (MI parsing, hit counting, JUnit
# XML, the runner, a Guest's failure paths against fake VMMs): tests/python/test_brkvmtest.py.
exec python3 -B "$(cd "$(dirname "$0")/../.." && pwd)/tests/python/test_brkvmtest.py" "$@"
