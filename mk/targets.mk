# install, run, asan, bench: see issue 2
