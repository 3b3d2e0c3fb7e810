# Man pages: mxvetd(8), mxvet(1), mxvet.conf(5).
dist_man_MANS = man/mxvetd.8 man/mxvet.1 man/mxvet.conf.5
# The guides under docs/, linked from README.md.
EXTRA_DIST += docs/findings.md docs/json.md docs/exit-codes.md docs/rollout.md docs/operations.md
