// omp_cxx_threads.cc: the C++ runtime from OpenMP threads. String streams
// format concurrently (every stream operation copies and releases the
// stream's locale, whose reference count libc++ keeps without atomics);
// a function-local static with a slow initialiser is initialised exactly
// once while every thread waits for it; a line written to std::cout with
// one insertion stays whole (each insertion is one locked stdio write; a
// chain of insertions may interleave with other threads', as natively);
// errno set by libc reaches C++ code per thread.
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <locale>
#include <sstream>
#include <string>
#include <vector>
#include "omp_check.h"

static std::atomic<int> inits{0};

static int slow_init() {
	inits.fetch_add(1);
	volatile unsigned x = 0;
	for (int i = 0; i < 2000000; i++)
		x = x + i;
	return 42;
}

static int shared_value() {
	static int v = slow_init(); // guarded: one initialisation
	return v;
}

struct Table {
	std::vector<std::string> names;
	Table() {
		inits.fetch_add(100);
		for (int i = 0; i < 1000; i++)
			names.push_back("name" + std::to_string(i));
	}
};

static const Table &table() {
	static Table t;
	return t;
}

int main(int argc, char **argv) {
	int iters = argc > 1 ? std::atoi(argv[1]) : 20000;
	int bad_fmt = 0, bad_static = 0, bad_errno = 0;
#pragma omp parallel num_threads(4) reduction(+ : bad_fmt, bad_static, bad_errno)
	{
		int t = omp_get_thread_num();
		if (shared_value() != 42)
			bad_static++;
		if (table().names.size() != 1000 || table().names[999] != "name999")
			bad_static++;
		for (int i = 0; i < iters; i++) {
			std::ostringstream os;
			os << t << ':' << i << ' ' << 0.5 * i << ' ' << std::hex << i;
			std::ostringstream want;
			want.imbue(std::locale::classic());
			want << t << ':' << i << ' ' << 0.5 * i << ' ' << std::hex << i;
			if (os.str() != want.str() || os.str().empty())
				bad_fmt++;
			std::istringstream is(os.str());
			int tt = -1;
			char colon = 0;
			int ii = -1;
			is >> tt >> colon >> ii;
			if (tt != t || colon != ':' || ii != i)
				bad_fmt++;
			if (i % 1000 == 0) {
				errno = 0;
				std::strtol("99999999999999999999999", nullptr, 10);
				if (errno != ERANGE)
					bad_errno++;
			}
			if (i % 5000 == 0) {
				std::ostringstream line;
				line << "line " << t << ' ' << i << " end\n";
				std::cout << line.str() << std::flush;
			}
		}
	}
	CHECK(inits.load() == 101, "%d initialisations (want 1 of each static: 101)", inits.load());
	CHECK(bad_static == 0, "%d threads saw a static before its initialisation finished", bad_static);
	CHECK(bad_fmt == 0, "%d stream operations went wrong", bad_fmt);
	CHECK(bad_errno == 0, "%d strtol calls left errno other than ERANGE", bad_errno);
	return omp_finish();
}
