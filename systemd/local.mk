# systemd unit (hardened; see the comments in it) and the example config.
# The unit names the installed paths, so it is made at build time.
systemdsystemunit_DATA = systemd/mxvetd.service
CLEANFILES += systemd/mxvetd.service
EXTRA_DIST += systemd/mxvetd.service.in conf/mxvet.conf conf/mxvet.logrotate systemd/mxvet.sysusers

systemd/mxvetd.service: $(srcdir)/systemd/mxvetd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(srcdir)/systemd/mxvetd.service.in > $@.tmp && mv $@.tmp $@

# conf/mxvet.conf lists every parameter at its default, commented out:
# installed as $(sysconfdir)/mxvet/mxvet.conf unless one is there already.
mxvetconfdir = $(sysconfdir)/mxvet
install-data-local: install-mxvet-conf
install-mxvet-conf:
	$(MKDIR_P) '$(DESTDIR)$(mxvetconfdir)'
	test -f '$(DESTDIR)$(mxvetconfdir)/mxvet.conf' || \
		$(INSTALL_DATA) $(srcdir)/conf/mxvet.conf '$(DESTDIR)$(mxvetconfdir)/mxvet.conf'
uninstall-local:
	cmp -s $(srcdir)/conf/mxvet.conf '$(DESTDIR)$(mxvetconfdir)/mxvet.conf' && \
		rm -f '$(DESTDIR)$(mxvetconfdir)/mxvet.conf' || true
.PHONY: install-mxvet-conf

# The mxvet user: a sysusers.d(5) entry. Installed into the system's own
# sysusers.d (prefix /usr) of a real root, systemd-sysusers creates the user
# at once; a package, DESTDIR or private-prefix install (distcheck) leaves
# that to the next boot or to the packaging.
install-data-local: install-mxvet-sysusers
install-mxvet-sysusers:
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)'
	$(INSTALL_DATA) $(srcdir)/systemd/mxvet.sysusers '$(DESTDIR)$(sysusersdir)/mxvet.conf'
	case '$(sysusersdir)' in /usr/lib/sysusers.d | /lib/sysusers.d | /etc/sysusers.d) \
		if test -z '$(DESTDIR)' && command -v systemd-sysusers > /dev/null; then \
			systemd-sysusers '$(sysusersdir)/mxvet.conf' || true; fi;; esac
uninstall-local: uninstall-mxvet-sysusers
uninstall-mxvet-sysusers:
	rm -f '$(DESTDIR)$(sysusersdir)/mxvet.conf'
.PHONY: install-mxvet-sysusers uninstall-mxvet-sysusers
