# Turns data/mx-providers.txt into the C array built into the binaries
# (checks/mx_providers_builtin.c). A line that is not a plain domain name
# stops the build: nothing from the file reaches the C source unchecked.
{
	sub(/#.*/, "")
	gsub(/[ \t\r]/, "")
	if ($0 == "")
		next
	$0 = tolower($0)
	if ($0 !~ /^[a-z0-9][a-z0-9.-]*$/ || length($0) > 253) {
		printf "%s:%d: not a domain name: %s\n", FILENAME, FNR, $0 > "/dev/stderr"
		bad = 1
		exit 1
	}
	d[n++] = $0
}
END {
	if (bad || n == 0)
		exit 1
	print "/* Generated from data/mx-providers.txt by checks/providers.awk. */"
	print "#include <stddef.h>"
	print ""
	print "extern const char *const typo_builtin_providers[];"
	print "extern const size_t typo_builtin_nproviders;"
	print ""
	print "const char *const typo_builtin_providers[] = {"
	for (i = 0; i < n; i++)
		printf "\t\"%s\",\n", d[i]
	print "};"
	printf "const size_t typo_builtin_nproviders = %d;\n", n
}
