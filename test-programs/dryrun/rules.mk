# A stand-in for debian/rules: builds, then runs the tests as dh_auto_test does.
binary:
	$(MAKE)
	./auto-test
