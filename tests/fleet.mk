# Fleet (issue 11): verdicts, probe results and history shared through a
# private redis-server each test starts on loopback.
check_PROGRAMS += tests/unit/test_fleet_codec
TESTS += tests/unit/test_fleet_codec tests/fleet-lab.py tests/fleet-faults.py tests/fleet-auth.py
TESTS += tests/fleet-netcap.py
EXTRA_DIST += tests/fleet_fixture.py tests/fleet-lab.py tests/fleet-faults.py tests/fleet-auth.py tests/fleet-netcap.py
tests_unit_test_fleet_codec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fleet_codec_LDADD = $(UNIT_LDADD)
tests/fleet-lab.log: mxvetd
tests/fleet-faults.log: mxvetd
tests/fleet-auth.log: mxvetd
tests/fleet-netcap.log: mxvetd
