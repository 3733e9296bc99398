/**
 * bt check --make on builds driven the way node-gyp drives make (real
 * traces, as root): `make --jobs 2` (the long option, its number as the
 * next word), and gyp's generated recipe `@$(call do_cmd,cc,1)`, one
 * recipe line that make expands to several (the compile, `printf … >
 * x.o.d`, then gyp's fixup_dep: `sed … x.o.d.raw >> x.o.d`), with gyp's
 * empty rule `%.d: ;` for the included .d files.
 */
import assert from 'node:assert/strict';
import { ebpfTest } from '../helpers/ebpf.js';
import { bt } from '../helpers/trace.js';
import { traceMake } from './projects.js';

ebpfTest('check --make: a build run as `make --jobs 2` (node-gyp\'s way) checks like one run as make -j2', async () => {
  const { dir, file } = await traceMake('bt-longjobs-', 'all: a.txt\na.txt: a.in\n\tcp a.in a.txt\n', { 'a.in': 'a\n' }, ['--jobs', '2', '--load-average', '8']);
  const r = await bt(['check', '--make', file]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, `bt check: nothing found in make --jobs 2 --load-average 8 in ${dir} (exit status 0) (checked: hermeticity, races, make)`);
  assert.equal(r.code, 0);
});

/** gyp's Makefile, cut down: do_cmd and fixup_dep as gyp writes them (build/Makefile), FORCE_DO_CMD, `%.d: ;`, the .d files included. */
const GYP_MAKEFILE = `all: out/app
depfile = deps/$@.d
define fixup_dep
touch $(depfile).raw
sed -e "s|^$(notdir $@)|$@|" $(depfile).raw >> $(depfile)
sed -e 's|\\\\||' -e 'y| |\\n|' $(depfile).raw | grep -v '^$$' | sed -e 1d -e 's|$$|:|' >> $(depfile)
rm $(depfile).raw
endef
define do_cmd
@mkdir -p $(dir $@) $(dir $(depfile))
$(cmd_$(1))
@printf '%s\\n' 'cmd_$@ := $(cmd_$(1))' > $(depfile)
@$(if $(2),$(fixup_dep))
endef
cmd_cc = cc -MMD -MF $(depfile).raw -c -o $@ $<
out/%.o: src/%.c FORCE_DO_CMD
\t@$(call do_cmd,cc,1)
out/app: out/main.o out/util.o
\tcc -o $@ $^
.PHONY: FORCE_DO_CMD
FORCE_DO_CMD:
%.d: ;
d_files := $(wildcard deps/out/*.d)
ifneq ($(d_files),)
  include $(d_files)
endif
`;

ebpfTest('check --make: gyp\'s fixup_dep lines (`sed … x.o.d.raw >> x.o.d`) are lines of the compile\'s recipe, not of the empty rule %.d: ;, so no missing-dep', async () => {
  const { dir, file } = await traceMake('bt-gypdo-', GYP_MAKEFILE, {
    'src/main.c': '#include "util.h"\nint main(void) { return util(); }\n',
    'src/util.c': '#include "util.h"\nint util(void) { return 0; }\n',
    'src/util.h': 'int util(void);\n',
  });
  const r = await bt(['check', '--make', file]);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, `bt check: nothing found in make -j2 in ${dir} (exit status 0) (checked: hermeticity, races, make)`);
  assert.equal(r.code, 0);
});
