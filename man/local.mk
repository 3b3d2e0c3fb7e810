# Man pages: mxvetd(8), mxvet(1), mxvet.conf(5).
dist_man_MANS = man/mxvetd.8 man/mxvet.1 man/mxvet.conf.5
