-- miltertest script for tests/milter-bridge.sh; PORT comes from the
-- environment. Each check prints a TAP line.
local port = os.getenv("PORT")
local n = 0
local function ok(cond, name)
	n = n + 1
	print((cond and "ok " or "not ok ") .. n .. " - " .. name)
end

local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 20, 0.25)
ok(conn ~= nil, "connect")
ok(mt.rcptto(conn, "<user@accept.example>") == nil, "rcpt accept sent")
ok(mt.getreply(conn) == SMFIR_CONTINUE, "accept: continue")
ok(mt.rcptto(conn, "<user@reject.example>") == nil, "rcpt reject sent")
ok(mt.getreply(conn) == SMFIR_REPLYCODE, "reject: reply code")
ok(mt.rcptto(conn, "<user@defer.example>") == nil, "rcpt defer sent")
ok(mt.getreply(conn) == SMFIR_REPLYCODE, "defer: reply code")
ok(mt.rcptto(conn, "<user@annotate.example>") == nil, "rcpt annotate sent")
ok(mt.getreply(conn) == SMFIR_CONTINUE, "annotate: continue")
ok(mt.rcptto(conn, "<user@slow.example>") == nil, "rcpt slow sent")
ok(mt.getreply(conn) == SMFIR_CONTINUE, "slow: fail open after the timeout")
ok(mt.eom(conn) == nil, "eom sent")
ok(mt.eom_check(conn, MT_HDRADD, "X-Mxvet", "annotate; domain=annotate.example; findings=MX_CNAME"),
   "eom adds X-Mxvet")
ok(mt.eom_check(conn, MT_HDRADD, "X-Mxvet-Detail", "MX_CNAME MX 10 alias.annotate.example is an alias"),
   "eom adds X-Mxvet-Detail")
ok(mt.eom_check(conn, MT_HDRADD, "X-Mxvet-Detail", "MX_TYPO second line"),
   "eom adds a second detail")
mt.disconnect(conn)
-- a second connection after the late answer arrived: the bridge still works
mt.sleep(2)
conn = mt.connect("inet:" .. port .. "@127.0.0.1", 20, 0.25)
ok(mt.rcptto(conn, "<user@reject.example>") == nil and mt.getreply(conn) == SMFIR_REPLYCODE,
   "still answers after a late answer was dropped")
ok(mt.eom(conn) == nil and not mt.eom_check(conn, MT_HDRADD), "no stale headers on a new message")
mt.disconnect(conn)
-- what a decision line names: client (connect), sender (MAIL), queue id ({i})
conn = mt.connect("inet:" .. port .. "@127.0.0.1", 20, 0.25)
ok(mt.conninfo(conn, "client.example", "192.0.2.7") == nil and mt.getreply(conn) == SMFIR_CONTINUE,
   "connect info sent")
ok(mt.mailfrom(conn, "<s@example.org>") == nil and mt.getreply(conn) == SMFIR_CONTINUE,
   "sender sent")
mt.macro(conn, SMFIC_RCPT, "i", "4ABC123")
ok(mt.rcptto(conn, "<who@accept.example>") == nil and mt.getreply(conn) == SMFIR_CONTINUE,
   "rcpt with queue id sent")
mt.disconnect(conn)
-- the MTA's macros: {client_addr} before the connect address, the SASL
-- login {auth_authen} at MAIL (the exemptions use both)
conn = mt.connect("inet:" .. port .. "@127.0.0.1", 20, 0.25)
mt.macro(conn, SMFIC_CONNECT, "{client_addr}", "198.51.100.5")
ok(mt.conninfo(conn, "client.example", "192.0.2.7") == nil and mt.getreply(conn) == SMFIR_CONTINUE,
   "connect info and {client_addr} sent")
mt.macro(conn, SMFIC_MAIL, "{auth_authen}", "alice")
ok(mt.mailfrom(conn, "<s@example.org>") == nil and mt.getreply(conn) == SMFIR_CONTINUE,
   "sender and {auth_authen} sent")
ok(mt.rcptto(conn, "<who2@accept.example>") == nil and mt.getreply(conn) == SMFIR_CONTINUE,
   "rcpt of the authenticated client sent")
mt.disconnect(conn)
print("1.." .. n)
