/*
 * Preloaded into the gateway by Benchmarks/profile.sh so that valgrind 3.19 (Debian 12) can run
 * a Swift program that uses concurrency.
 *
 * Why: Swift's async `main` ends in `dispatch_main()`, whose main thread parks for good in
 * libdispatch's `_dispatch_sigsuspend`, which calls `sigsuspend(&mask)` on a `static const`
 * mask: the symbol `_dispatch_sigsuspend.mask`, in libdispatch.so's read-only segment.
 * valgrind's Linux wrapper for rt_sigsuspend takes its own signal (VG_SIGVGKILL) out of the
 * caller's mask *in place*, so it writes into that read-only page and valgrind itself dies:
 * "VALGRIND INTERNAL ERROR: Valgrind received a signal 11 (SIGSEGV)", si_code=2 (SEGV_ACCERR),
 * the faulting address exactly libdispatch's base + the mask's offset, thread 1 in syscall 130
 * (rt_sigsuspend). Every Swift program with an async main does it, even under --tool=none; a
 * synchronous `print("hello")` runs fine. Handing the kernel a copy of the mask on the stack
 * changes nothing for the program and gives valgrind a mask it may write.
 *
 *   cc -shared -fPIC -O2 -o valgrind-sigsuspend.so valgrind-sigsuspend.c
 *   LD_PRELOAD=$PWD/valgrind-sigsuspend.so valgrind --tool=callgrind ./program
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, (size_t)(_NSIG / 8));
}
