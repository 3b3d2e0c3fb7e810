# mxvetd: see issue 5
